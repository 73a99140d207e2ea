import { useMemo, useState, type FormEvent } from 'react'
import type { FriendRequest, PublicUser } from '../api/types.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { Avatar } from './Avatar.js'
import { FIND_PEOPLE_INPUT } from './NextSteps.js'
import { SearchSection } from './SearchSection.js'

/** Find people, answer requests, and the friend list (with presence) and blocked users. */
export function FriendsPanel() {
  const t = useT()
  const friends = useAppState((s) => s.friends)
  const incoming = useAppState((s) => s.incoming)
  const outgoing = useAppState((s) => s.outgoing)
  const blocks = useAppState((s) => s.blocks)
  const presence = useAppState((s) => s.presence)
  const controller = useController()
  const pendingIn = useMemo(() => incoming.filter((r) => r.status === 'pending'), [incoming])
  const pendingOut = useMemo(() => outgoing.filter((r) => r.status === 'pending'), [outgoing])
  const list = useMemo(
    () =>
      Object.values(friends).sort((a, b) => {
        const oa = presence[a.user.id]?.connected ? 0 : 1
        const ob = presence[b.user.id]?.connected ? 0 : 1
        return oa - ob || (a.remark || a.user.nickname).localeCompare(b.remark || b.user.nickname)
      }),
    [friends, presence],
  )

  return (
    <div className="panel">
      <PeopleSearch />
      {pendingIn.length ? (
        <section className="panel-section" aria-labelledby="incoming-h">
          <h3 id="incoming-h">{t('friends.incoming')}</h3>
          <ul className="plain-list">
            {pendingIn.map((r) => (
              <IncomingRequest key={r.id} request={r} />
            ))}
          </ul>
        </section>
      ) : null}
      {pendingOut.length ? (
        <section className="panel-section" aria-labelledby="outgoing-h">
          <h3 id="outgoing-h">{t('friends.outgoing')}</h3>
          <ul className="plain-list">
            {pendingOut.map((r) => (
              <li key={r.id} className="person-row">
                <Avatar name={r.to.nickname || r.to.username} colorKey={r.to.id} size="sm" />
                <div className="person-text">
                  <strong className="ellipsis">{r.to.nickname || r.to.username}</strong>
                  <span className="muted small">{t('friends.waiting')}</span>
                </div>
                <button type="button" className="btn ghost small" onClick={() => void controller.friends.withdrawRequest(r)}>
                  {t('friends.withdraw')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="panel-section" aria-labelledby="friends-h">
        <h3 id="friends-h">
          {t('friends.title')} <span className="muted">({list.length})</span>
        </h3>
        {list.length === 0 ? <p className="empty-note">{t('friends.none')}</p> : null}
        <ul className="plain-list">
          {list.map((f) => (
            <li key={f.user.id} className="person-row" data-testid="friend-row">
              <button
                type="button"
                className="person-open"
                onClick={() => void controller.conversations.openDirect(f.user.id)}
                aria-label={t('friends.message', { name: f.remark || f.user.nickname })}
              >
                <Avatar
                  name={f.remark || f.user.nickname || f.user.username}
                  colorKey={f.user.id}
                  size="sm"
                  presence={presence[f.user.id]?.status ?? 'offline'}
                />
                <span className="person-text">
                  <strong className="ellipsis">{f.remark || f.user.nickname || f.user.username}</strong>
                  <span className="muted small ellipsis">
                    {f.remark ? `${f.user.nickname} · ` : ''}
                    {t(`presence.${presence[f.user.id]?.status ?? 'offline'}`)}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {blocks.length ? (
        <section className="panel-section" aria-labelledby="blocked-h">
          <h3 id="blocked-h">{t('friends.blocked')}</h3>
          <ul className="plain-list">
            {blocks.map((b) => (
              <li key={b.user.id} className="person-row">
                <Avatar name={b.user.nickname || b.user.username} colorKey={b.user.id} size="sm" />
                <div className="person-text">
                  <strong className="ellipsis">{b.user.nickname || b.user.username}</strong>
                  <span className="muted small">@{b.user.username}</span>
                </div>
                <button type="button" className="btn ghost small" onClick={() => void controller.friends.unblock(b.user.id)}>
                  {t('friends.unblock')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  )
}

function IncomingRequest({ request: r }: { request: FriendRequest }) {
  const controller = useController()
  const t = useT()
  const name = r.from.nickname || r.from.username
  return (
    <li className="person-row request" data-testid="incoming-request">
      <Avatar name={name} colorKey={r.from.id} size="sm" />
      <div className="person-text">
        <strong className="ellipsis">{name}</strong>
        <span className="muted small ellipsis">@{r.from.username}</span>
        {r.note ? <q className="note">{r.note}</q> : null}
      </div>
      <div className="row-actions">
        <button
          type="button"
          className="btn primary small"
          onClick={() => void controller.friends.answerRequest(r, 'accept')}
          aria-label={t('friends.acceptFrom', { name })}
        >
          {t('friends.accept')}
        </button>
        <button
          type="button"
          className="btn ghost small"
          onClick={() => void controller.friends.answerRequest(r, 'reject')}
          aria-label={t('friends.rejectFrom', { name })}
        >
          {t('friends.reject')}
        </button>
      </div>
    </li>
  )
}

function PeopleSearch() {
  const controller = useController()
  const t = useT()
  const friends = useAppState((s) => s.friends)
  const outgoing = useAppState((s) => s.outgoing)
  // people I already asked: no second "Add" (the server would refuse it)
  const asked = useMemo(() => new Set(outgoing.filter((r) => r.status === 'pending').map((r) => r.toUserId)), [outgoing])
  const [composing, setComposing] = useState<string | null>(null)

  return (
    <SearchSection<PublicUser>
      id="search-people-h"
      inputId={FIND_PEOPLE_INPUT}
      label={t('friends.find')}
      placeholder={t('friends.searchPlaceholder')}
      run={(q) => controller.friends.searchUsers(q)}
    >
      {(results) => (
        <ul className="plain-list search-results">
          {results.map((u) => (
            <li key={u.id} className="person-row column" data-testid="search-result">
              <div className="person-line">
                <Avatar name={u.nickname || u.username} colorKey={u.id} size="sm" />
                <div className="person-text">
                  <strong className="ellipsis">{u.nickname || u.username}</strong>
                  <span className="muted small">@{u.username}</span>
                </div>
                {friends[u.id] ? (
                  <button type="button" className="btn small" onClick={() => void controller.conversations.openDirect(u.id)}>
                    {t('friends.messageShort')}
                  </button>
                ) : asked.has(u.id) ? (
                  <span className="muted small" data-testid="already-asked">
                    {t('friends.requested')}
                  </span>
                ) : composing === u.id ? null : (
                  <button
                    type="button"
                    className="btn primary small"
                    onClick={() => setComposing(u.id)}
                    aria-label={t('friends.addName', { name: u.nickname || u.username })}
                  >
                    {t('friends.add')}
                  </button>
                )}
              </div>
              {composing === u.id ? <RequestForm user={u} onDone={() => setComposing(null)} /> : null}
            </li>
          ))}
        </ul>
      )}
    </SearchSection>
  )
}

function RequestForm({ user, onDone }: { user: PublicUser; onDone: () => void }) {
  const controller = useController()
  const t = useT()
  const [note, setNote] = useState('')
  const [greeting, setGreeting] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    const ok = await controller.friends.sendFriendRequest(user.id, note.trim(), greeting.trim())
    setBusy(false)
    if (ok) onDone()
  }
  return (
    <form className="request-form" onSubmit={submit}>
      <label className="field">
        <span>{t('friends.note')}</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={200} placeholder={t('friends.notePlaceholder')} />
      </label>
      <label className="field">
        <span>{t('friends.greeting')}</span>
        <input
          value={greeting}
          onChange={(e) => setGreeting(e.target.value)}
          maxLength={500}
          placeholder={t('friends.greetingPlaceholder')}
        />
      </label>
      <div className="row-actions">
        <button type="submit" className="btn primary small" disabled={busy}>
          {t('friends.sendRequest')}
        </button>
        <button type="button" className="btn ghost small" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  )
}
