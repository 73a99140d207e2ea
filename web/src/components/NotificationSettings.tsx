import { useEffect, useState } from 'react'
import { disablePush, enablePush, pushState, type PushState } from '../app/push-setup.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'

interface Settings {
  previews: boolean
  quietStart: number | null
  quietEnd: number | null
  timeZone: string
  emailDigest: boolean
}

const toTime = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
const fromTime = (value: string) => {
  const [h, m] = value.split(':').map(Number)
  return (h ?? 0) * 60 + (m ?? 0)
}
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

/**
 * Notifications: Web Push on this device (permission asked on the click, never on load), then the
 * account-wide choices: previews, mentions through mute, quiet hours with a time zone, e-mail digest.
 */
export function NotificationSettings() {
  const controller = useController()
  const t = useT()
  const emailVerified = useAppState((s) => !!s.auth?.user?.emailVerified)
  // one setting for in-app alerts and pushes alike: the account's mentionAlertMuted
  const mentionsThroughMute = useAppState((s) => s.auth?.user?.mentionAlertMuted !== false)
  const [device, setDevice] = useState<PushState | 'working'>('working')
  const [settings, setSettings] = useState<Settings | null>(null)

  useEffect(() => {
    let live = true
    void pushState(controller.api)
      .catch(() => 'unsupported' as const)
      .then((s) => live && setDevice(s))
    void controller.api
      .call('GET', '/me/notification-settings')
      .then((res) => live && res.status === 200 && setSettings(res.body as Settings))
      .catch(() => {})
    return () => {
      live = false
    }
  }, [controller])

  const save = async (patch: Partial<Settings>) => {
    const res = await controller.api.call('PATCH', '/me/notification-settings', { json: patch })
    if (res.status === 200) setSettings(res.body as Settings)
  }
  const toggleDevice = async () => {
    const wasOn = device === 'on'
    setDevice('working')
    try {
      setDevice(wasOn ? await disablePush(controller.api) : await enablePush(controller.api))
    } catch {
      // the browser's push service refused or did not answer
      setDevice('failed')
    }
  }

  const quiet = settings?.quietStart !== null && settings?.quietStart !== undefined
  return (
    <section aria-labelledby="notifications-h" data-testid="notification-settings">
      <h3 id="notifications-h">{t('notif.title')}</h3>
      <p className="small" data-testid="push-state">
        {t(`notif.device.${device}`)}
      </p>
      {device === 'on' || device === 'off' || device === 'failed' ? (
        <button type="button" className={device === 'on' ? 'btn small' : 'btn small primary'} onClick={() => void toggleDevice()}>
          {device === 'on' ? t('notif.turnOff') : t('notif.turnOn')}
        </button>
      ) : null}
      {settings ? (
        <div className="form compact">
          <label className="check-row">
            <input type="checkbox" checked={settings.previews} onChange={(e) => void save({ previews: e.target.checked })} />
            {t('notif.previews')}
          </label>
          <label className="check-row">
            <input
              type="checkbox"
              checked={mentionsThroughMute}
              onChange={(e) => void controller.account.updateProfile({ mentionAlertMuted: e.target.checked })}
            />
            {t('notif.mentionsThroughMute')}
          </label>
          <label className="check-row">
            <input
              type="checkbox"
              checked={quiet}
              onChange={(e) =>
                void save(
                  e.target.checked
                    ? { quietStart: 22 * 60, quietEnd: 7 * 60, timeZone: browserZone() }
                    : { quietStart: null, quietEnd: null },
                )
              }
            />
            {t('notif.quietHours')}
          </label>
          {quiet ? (
            <div className="row-actions">
              <label>
                {t('notif.quietFrom')}
                <input
                  type="time"
                  value={toTime(settings.quietStart!)}
                  onChange={(e) => void save({ quietStart: fromTime(e.target.value) })}
                />
              </label>
              <label>
                {t('notif.quietTo')}
                <input type="time" value={toTime(settings.quietEnd!)} onChange={(e) => void save({ quietEnd: fromTime(e.target.value) })} />
              </label>
              <span className="small">{t('notif.timeZone', { zone: settings.timeZone })}</span>
            </div>
          ) : null}
          <label className="check-row">
            <input
              type="checkbox"
              checked={settings.emailDigest}
              disabled={!emailVerified && !settings.emailDigest}
              onChange={(e) => void save({ emailDigest: e.target.checked })}
            />
            {t('notif.emailDigest')}
          </label>
          {!emailVerified ? <p className="small">{t('notif.emailDigestNeedsEmail')}</p> : null}
        </div>
      ) : null}
    </section>
  )
}
