import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useNow } from '../hooks/use-now.js'

/** Shown while the live connection is down: what is happening and a way to retry now. */
export function ConnectionBanner() {
  const controller = useController()
  const t = useT()
  const { status, retryAt } = useAppState((s) => s.connection)
  const down = status === 'reconnecting' || status === 'connecting'
  const now = useNow(500, down && retryAt !== null)
  if (!down) return null
  const seconds = retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : 0
  return (
    <div className="conn-banner" role="status" aria-live="polite" data-testid="connection-banner">
      <span className="spinner" aria-hidden="true" />
      <span>{status === 'connecting' ? t('conn.connecting') : seconds > 0 ? t('conn.retryIn', { seconds }) : t('conn.reconnecting')}</span>
      {status === 'reconnecting' && seconds > 0 ? (
        <button type="button" className="btn small light" onClick={() => controller.reconnectNow()}>
          {t('conn.retryNow')}
        </button>
      ) : null}
    </div>
  )
}
