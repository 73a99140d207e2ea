import { useMemo, useState, type FormEvent } from 'react'
import type { Group, JoinPolicy } from '../api/types.js'
import { memberCountKey } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { Avatar } from './Avatar.js'
import { Icon } from './Icon.js'
import { SearchSection } from './SearchSection.js'

/** Create, find and join groups; invitations; my groups. */
export function GroupsPanel() {
  const controller = useController()
  const t = useT()
  const groups = useAppState((s) => s.groups)
  const invitations = useAppState((s) => s.invitations)
  const [creating, setCreating] = useState(false)
  const mine = useMemo(() => Object.values(groups).sort((a, b) => a.name.localeCompare(b.name)), [groups])

  return (
    <div className="panel">
      <div className="panel-section">
        {creating ? (
          <CreateGroupForm onDone={() => setCreating(false)} />
        ) : (
          <button type="button" className="btn primary block" onClick={() => setCreating(true)}>
            <Icon name="plus" size={18} /> {t('groups.create')}
          </button>
        )}
      </div>
      <GroupSearch />
      {invitations.length ? (
        <section className="panel-section" aria-labelledby="invitations-h">
          <h3 id="invitations-h">{t('groups.invitations')}</h3>
          <ul className="plain-list">
            {invitations.map((inv) => (
              <li key={inv.id} className="person-row" data-testid="group-invitation">
                <Avatar name={inv.group.name} colorKey={inv.group.id} size="sm" kind="group" />
                <div className="person-text">
                  <strong className="ellipsis">{inv.group.name}</strong>
                  {inv.inviter ? (
                    <span className="muted small ellipsis">
                      {t('groups.invitedBy', { name: inv.inviter.nickname || inv.inviter.username })}
                    </span>
                  ) : null}
                </div>
                <div className="row-actions">
                  <button
                    type="button"
                    className="btn primary small"
                    onClick={() => void controller.groups.answerInvitation(inv.id, 'accept')}
                  >
                    {t('groups.accept')}
                  </button>
                  <button
                    type="button"
                    className="btn ghost small"
                    onClick={() => void controller.groups.answerInvitation(inv.id, 'reject')}
                  >
                    {t('groups.decline')}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="panel-section" aria-labelledby="my-groups-h">
        <h3 id="my-groups-h">
          {t('groups.mine')} <span className="muted">({mine.length})</span>
        </h3>
        {mine.length === 0 ? <p className="empty-note">{t('groups.none')}</p> : null}
        <ul className="plain-list">
          {mine.map((g) => (
            <li key={g.id} className="person-row" data-testid="group-row">
              <button type="button" className="person-open" onClick={() => void controller.conversations.openGroup(g)}>
                <Avatar name={g.name} colorKey={g.id} size="sm" kind="group" />
                <span className="person-text">
                  <strong className="ellipsis">{g.name}</strong>
                  <span className="muted small">
                    {g.memberCount !== undefined ? t(memberCountKey(g.memberCount), { count: g.memberCount }) : ''}
                    {g.myRole && g.myRole !== 'member' ? ` · ${t(`role.${g.myRole}`)}` : ''}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  )
}

function CreateGroupForm({ onDone }: { onDone: () => void }) {
  const controller = useController()
  const t = useT()
  const friends = useAppState((s) => s.friends)
  const [name, setName] = useState('')
  const [policy, setPolicy] = useState<JoinPolicy>('open')
  const [selected, setSelected] = useState<string[]>([])
  const [busy, setBusy] = useState(false)
  // the server's member limit, the creator included
  const max = useAppState((s) => s.limits?.maxGroupMembers ?? null)
  const full = max !== null && selected.length + 1 >= max
  const over = max !== null && selected.length + 1 > max
  const list = useMemo(
    () => Object.values(friends).sort((a, b) => (a.remark || a.user.nickname).localeCompare(b.remark || b.user.nickname)),
    [friends],
  )
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!name.trim()) return
    setBusy(true)
    const group = await controller.groups.createGroup(name.trim(), selected, policy)
    setBusy(false)
    if (group) onDone()
  }
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]))
  return (
    <form className="form compact" onSubmit={submit} aria-label={t('groups.create')}>
      <label className="field">
        <span>{t('groups.name')}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={64} required autoFocus />
      </label>
      <label className="field">
        <span>{t('groups.joinPolicy')}</span>
        <select value={policy} onChange={(e) => setPolicy(e.target.value as JoinPolicy)}>
          <option value="open">{t('groups.policy.open')}</option>
          <option value="approval">{t('groups.policy.approval')}</option>
          <option value="invite">{t('groups.policy.invite')}</option>
        </select>
      </label>
      {list.length ? (
        <fieldset className="field checklist" aria-describedby="group-size">
          <legend>{t('groups.addFriends')}</legend>
          {list.map((f) => (
            <label key={f.user.id} className="check-row">
              <input
                type="checkbox"
                checked={selected.includes(f.user.id)}
                disabled={full && !selected.includes(f.user.id)}
                onChange={() => toggle(f.user.id)}
              />
              <Avatar name={f.remark || f.user.nickname} colorKey={f.user.id} size="sm" />
              <span>{f.remark || f.user.nickname || f.user.username}</span>
            </label>
          ))}
        </fieldset>
      ) : null}
      {max !== null ? (
        <p id="group-size" className={full ? 'form-error small' : 'muted small'} role={full ? 'alert' : undefined} data-testid="group-size">
          {full ? t('groups.sizeFull', { max }) : t('groups.size', { count: selected.length + 1, max })}
        </p>
      ) : null}
      <div className="row-actions">
        <button type="submit" className="btn primary small" disabled={busy || !name.trim() || over}>
          {t('groups.createAction')}
        </button>
        <button type="button" className="btn ghost small" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  )
}

function GroupSearch() {
  const controller = useController()
  const t = useT()
  const mine = useAppState((s) => s.groups)
  return (
    <SearchSection<Group>
      id="find-groups-h"
      label={t('groups.find')}
      placeholder={t('groups.searchPlaceholder')}
      run={(q) => controller.groups.searchGroups(q)}
    >
      {(results) => (
        <ul className="plain-list">
          {results.map((g) => (
            <li key={g.id} className="person-row" data-testid="group-result">
              <Avatar name={g.name} colorKey={g.id} size="sm" kind="group" />
              <div className="person-text">
                <strong className="ellipsis">{g.name}</strong>
                <span className="muted small">
                  {t(`groups.policy.${g.joinPolicy}`)}
                  {g.memberCount !== undefined ? ` · ${t(memberCountKey(g.memberCount), { count: g.memberCount })}` : ''}
                </span>
              </div>
              {mine[g.id] ? (
                <button type="button" className="btn small" onClick={() => void controller.conversations.openGroup(mine[g.id]!)}>
                  {t('groups.open')}
                </button>
              ) : (
                <button type="button" className="btn primary small" onClick={() => void controller.groups.joinGroup(g)}>
                  {g.joinPolicy === 'approval' ? t('groups.requestJoin') : t('groups.join')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </SearchSection>
  )
}
