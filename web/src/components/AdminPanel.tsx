import { useCallback, useEffect, useState } from 'react'
import type { AdminUser, NamedAuditEntry, RegistrationState } from '../app/admin-actions.js'
import { formatDateTime } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { auditText } from './audit-text.js'
import { ConfirmButton } from './ConfirmButton.js'
import { Icon } from './Icon.js'

/** `datetime-local` value (local time) <-> ISO string. */
function toLocalInput(iso: string | null): string {
  if (!iso) return ''
  const d = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

function fromLocalInput(value: string): string | null {
  return value ? new Date(value).toISOString() : null
}

/**
 * For users with role admin, a page of its own across the whole window (not the sidebar): users,
 * registration, the world channel, the audit log in words. Every action says whether it worked.
 */
export function AdminPanel() {
  const controller = useController()
  const t = useT()
  const locale = useAppState((s) => s.locale)
  const me = useAppState((s) => s.auth?.user?.id)
  const [q, setQ] = useState('')
  const [users, setUsers] = useState<AdminUser[]>([])
  const [registration, setRegistration] = useState<RegistrationState | null>(null)
  const [opensAt, setOpensAt] = useState('')
  const [closesAt, setClosesAt] = useState('')
  const [world, setWorld] = useState<{ open: boolean } | null>(null)
  const [audit, setAudit] = useState<NamedAuditEntry[]>([])

  const search = useCallback(async (query: string) => setUsers(await controller.admin.users(query)), [controller])
  const reload = useCallback(async () => {
    const [r, w, a] = await Promise.all([controller.admin.registration(), controller.admin.world(), controller.admin.auditLog()])
    setRegistration(r)
    setOpensAt(toLocalInput(r?.opensAt ?? null))
    setClosesAt(toLocalInput(r?.closesAt ?? null))
    setWorld(w)
    setAudit(a)
  }, [controller])

  useEffect(() => {
    void search('')
    void reload()
  }, [search, reload])

  // after a refusal too: a toggle flipped optimistically goes back to what the server has
  const after = (ok: boolean) => {
    if (ok) void search(q)
    void reload()
  }

  return (
    <div className="admin-page" data-testid="admin">
      <header className="admin-header">
        <button
          type="button"
          className="icon-btn"
          aria-label={t('admin.back')}
          title={t('admin.back')}
          onClick={() => controller.setTab('chats')}
        >
          <Icon name="back" />
        </button>
        <h2>{t('admin.open')}</h2>
      </header>
      <section className="admin-card admin-users" aria-labelledby="admin-users-h">
        <h3 id="admin-users-h">{t('admin.users')}</h3>
        <form
          className="search-row"
          onSubmit={(e) => {
            e.preventDefault()
            void search(q)
          }}
        >
          <input
            type="search"
            aria-label={t('admin.searchUsers')}
            placeholder={t('admin.searchUsers')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
          />
          <button type="submit" className="btn small">
            {t('common.search')}
          </button>
        </form>
        <ul className="plain-list">
          {users.map((u) => (
            <li key={u.id} className="admin-user" data-testid="admin-user">
              <div className="person-text">
                <strong className="ellipsis">
                  {u.nickname || u.username} {u.role === 'admin' ? <span className="role-tag admin">{t('admin.roleAdmin')}</span> : null}
                </strong>
                <span className="muted small ellipsis">
                  @{u.username} · {t(`admin.state.${u.state}`)}
                </span>
              </div>
              {u.id !== me && u.state !== 'deleted' ? (
                <div className="member-admin">
                  <button
                    type="button"
                    className="btn small"
                    onClick={() => void controller.admin.setDisabled(u, u.state === 'active').then(after)}
                  >
                    {u.state === 'active' ? t('admin.disable') : t('admin.enable')}
                  </button>
                  <button
                    type="button"
                    className="btn small"
                    onClick={() => void controller.admin.muteInWorld(u, new Date(Date.now() + 24 * 3600_000)).then(after)}
                  >
                    {t('admin.worldMute')}
                  </button>
                  <button type="button" className="btn small ghost" onClick={() => void controller.admin.unmuteInWorld(u).then(after)}>
                    {t('admin.worldUnmute')}
                  </button>
                  <ConfirmButton
                    label={t('admin.delete')}
                    question={t('admin.deleteConfirm', { name: u.username })}
                    onConfirm={() => void controller.admin.deleteUser(u).then(after)}
                  />
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      <section className="admin-card" aria-labelledby="admin-reg-h">
        <h3 id="admin-reg-h">{t('admin.registration')}</h3>
        {registration ? (
          <>
            <label className="check-row">
              <input
                type="checkbox"
                checked={registration.open}
                onChange={(e) => {
                  const open = e.target.checked
                  setRegistration({ ...registration, open })
                  void controller.admin.setRegistration({ open }).then(after)
                }}
              />
              <span>{t('admin.registrationOpen')}</span>
            </label>
            <p className="muted small">{registration.openNow ? t('admin.registrationOpenNow') : t('admin.registrationClosedNow')}</p>
            <form
              className="form compact"
              onSubmit={(e) => {
                e.preventDefault()
                void controller.admin.setRegistration({ opensAt: fromLocalInput(opensAt), closesAt: fromLocalInput(closesAt) }).then(after)
              }}
            >
              <label>
                {t('admin.opensAt')}
                <input type="datetime-local" value={opensAt} onChange={(e) => setOpensAt(e.target.value)} />
              </label>
              <label>
                {t('admin.closesAt')}
                <input type="datetime-local" value={closesAt} onChange={(e) => setClosesAt(e.target.value)} />
              </label>
              <button type="submit" className="btn small">
                {t('admin.saveWindow')}
              </button>
            </form>
          </>
        ) : null}
      </section>

      <section className="admin-card" aria-labelledby="admin-world-h">
        <h3 id="admin-world-h">{t('admin.world')}</h3>
        {world ? (
          <label className="check-row">
            <input
              type="checkbox"
              checked={world.open}
              onChange={(e) => {
                const open = e.target.checked
                setWorld({ open })
                void controller.admin.setWorldOpen(open).then(after)
              }}
            />
            <span>{t('admin.worldOpen')}</span>
          </label>
        ) : null}
      </section>

      <section className="admin-card admin-audit" aria-labelledby="admin-audit-h">
        <h3 id="admin-audit-h">{t('admin.audit')}</h3>
        {audit.length === 0 ? <p className="muted small">{t('admin.auditEmpty')}</p> : null}
        <ol className="plain-list audit-log">
          {audit.map((a) => (
            <li key={a.id} data-testid="audit-entry" data-action={a.action}>
              <time className="muted small" dateTime={a.createdAt}>
                {formatDateTime(a.createdAt, locale)}
              </time>
              <span>{auditText(t, a, locale)}</span>
            </li>
          ))}
        </ol>
      </section>
    </div>
  )
}
