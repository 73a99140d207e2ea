import { useEffect, useRef, useState } from 'react'
import type { DeviceSession, UserStatus } from '../api/types.js'
import { formatTime } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { Avatar } from './Avatar.js'
import { ConfirmButton } from './ConfirmButton.js'
import { NotificationSettings } from './NotificationSettings.js'

const STATUSES: UserStatus[] = ['online', 'away', 'busy', 'invisible']

/** My profile and avatar, password, e-mail, signed-in devices, account deletion. */
export function SettingsPanel() {
  const controller = useController()
  const t = useT()
  const user = useAppState((s) => s.auth?.user ?? null)
  const locale = useAppState((s) => s.locale)
  const [nickname, setNickname] = useState(user?.nickname ?? '')
  const [bio, setBio] = useState(user?.bio ?? '')
  const [status, setStatus] = useState<UserStatus>(user?.status ?? 'online')
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [email, setEmail] = useState(user?.email ?? '')
  const [emailPassword, setEmailPassword] = useState('')
  const [code, setCode] = useState('')
  const [codeSent, setCodeSent] = useState(false)
  const [sessions, setSessions] = useState<DeviceSession[]>([])
  const [deletePassword, setDeletePassword] = useState('')
  const [version, setVersion] = useState(0)
  const avatarInput = useRef<HTMLInputElement>(null)

  useEffect(() => {
    let live = true
    void controller.account.sessions().then((s) => live && setSessions(s))
    return () => {
      live = false
    }
  }, [controller, version])
  const refresh = () => setVersion((v) => v + 1)

  if (!user) return null
  return (
    <div className="panel settings" data-testid="settings">
      <section aria-labelledby="profile-h">
        <h3 id="profile-h">{t('settings.profile')}</h3>
        <div className="avatar-edit">
          <Avatar name={user.nickname || user.username} colorKey={user.id} size="lg" />
          <input
            ref={avatarInput}
            type="file"
            accept="image/png,image/jpeg,image/webp,image/gif"
            hidden
            data-testid="avatar-input"
            onChange={(e) => {
              const file = e.target.files?.[0]
              e.target.value = ''
              if (file) void controller.account.setAvatar(file)
            }}
          />
          <button type="button" className="btn small" onClick={() => avatarInput.current?.click()}>
            {t('settings.changeAvatar')}
          </button>
          {user.avatarFileId ? (
            <button type="button" className="btn small ghost" onClick={() => void controller.account.clearAvatar()}>
              {t('settings.removeAvatar')}
            </button>
          ) : null}
        </div>
        <form
          className="form compact"
          onSubmit={(e) => {
            e.preventDefault()
            void controller.account.updateProfile({ nickname: nickname.trim(), bio, status })
          }}
        >
          <label>
            {t('settings.nickname')}
            <input value={nickname} maxLength={64} onChange={(e) => setNickname(e.target.value)} />
          </label>
          <label>
            {t('settings.bio')}
            <textarea value={bio} rows={2} maxLength={500} onChange={(e) => setBio(e.target.value)} />
          </label>
          <label>
            {t('settings.status')}
            <select value={status} onChange={(e) => setStatus(e.target.value as UserStatus)}>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`settings.status.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="btn small primary">
            {t('settings.saveProfile')}
          </button>
        </form>
      </section>

      <section aria-labelledby="password-h">
        <h3 id="password-h">{t('settings.password')}</h3>
        <form
          className="form compact"
          onSubmit={(e) => {
            e.preventDefault()
            void controller.account.changePassword(current, next).then((ok) => {
              if (ok) {
                setCurrent('')
                setNext('')
              }
            })
          }}
        >
          <label>
            {t('settings.currentPassword')}
            <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
          </label>
          <label>
            {t('settings.newPassword')}
            <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
          </label>
          <button type="submit" className="btn small" disabled={!current || !next}>
            {t('settings.changePassword')}
          </button>
        </form>
      </section>

      <NotificationSettings />

      <section aria-labelledby="email-h">
        <h3 id="email-h">{t('settings.email')}</h3>
        {user.email ? (
          <p className="small">
            {user.email} · {user.emailVerified ? t('settings.emailVerified') : t('settings.emailUnverified')}
          </p>
        ) : null}
        <form
          className="form compact"
          onSubmit={(e) => {
            e.preventDefault()
            void controller.account.bindEmail(email.trim(), emailPassword).then((ok) => ok && setCodeSent(true))
          }}
        >
          <label>
            {t('settings.emailAddress')}
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label>
            {t('settings.currentPassword')}
            <input
              type="password"
              autoComplete="current-password"
              value={emailPassword}
              onChange={(e) => setEmailPassword(e.target.value)}
            />
          </label>
          <button type="submit" className="btn small" disabled={!email.trim() || !emailPassword}>
            {t('settings.sendCode')}
          </button>
        </form>
        {codeSent ? (
          <form
            className="form compact"
            onSubmit={(e) => {
              e.preventDefault()
              void controller.account.verifyEmail(code.trim()).then((ok) => ok && setCodeSent(false))
            }}
          >
            <label>
              {t('settings.code')}
              <input inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
            </label>
            <button type="submit" className="btn small primary" disabled={!code.trim()}>
              {t('settings.verify')}
            </button>
          </form>
        ) : null}
      </section>

      <section aria-labelledby="devices-h">
        <h3 id="devices-h">{t('settings.devices')}</h3>
        <ul className="plain-list">
          {sessions.map((d) => (
            <li key={d.id} className="person-row" data-testid="device-row">
              <div className="person-text">
                <strong className="ellipsis">{d.userAgent || t('settings.unknownDevice')}</strong>
                <span className="muted small">
                  {d.current ? t('settings.thisDevice') : t('settings.lastSeen', { time: formatTime(d.lastSeenAt, locale) })}
                </span>
              </div>
              {!d.current ? (
                <button type="button" className="btn small" onClick={() => void controller.account.revokeSession(d.id).then(refresh)}>
                  {t('settings.signOutDevice')}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
        {sessions.some((d) => !d.current) ? (
          <button type="button" className="btn small" onClick={() => void controller.account.revokeOthers().then(refresh)}>
            {t('settings.signOutOthers')}
          </button>
        ) : null}
      </section>

      <section aria-labelledby="delete-h">
        <h3 id="delete-h">{t('settings.deleteAccount')}</h3>
        <label>
          {t('settings.currentPassword')}
          <input
            type="password"
            autoComplete="current-password"
            value={deletePassword}
            onChange={(e) => setDeletePassword(e.target.value)}
          />
        </label>
        {deletePassword ? (
          <ConfirmButton
            label={t('settings.deleteAccount')}
            question={t('settings.deleteConfirm')}
            onConfirm={() =>
              void controller.account.deleteAccount(deletePassword).then((ok) => {
                if (ok) controller.signOutLocally()
              })
            }
          />
        ) : null}
      </section>
    </div>
  )
}
