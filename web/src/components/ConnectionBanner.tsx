import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useNow } from '../hooks/use-now.js'

/** Shown while the live connection is down: what is happening and a way to retry now. */
export function ConnectionBanner() {
  const controller = useController()
  const t = useT()
  const { state, retryAt, attempt, stopped } = useAppState((s) => s.connection)
  const waiting = state === 'disconnected' && retryAt !== null
  const now = useNow(500, waiting)
  if (stopped || state === 'connected') return null
  const seconds = retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : 0
  const text =
    state === 'connecting' && attempt === 0 ? t('conn.connecting') : seconds > 0 ? t('conn.retryIn', { seconds }) : t('conn.reconnecting')
  return (
    <div className="conn-banner" role="status" aria-live="polite" data-testid="connection-banner">
      <span className="spinner" aria-hidden="true" />
      <span>{text}</span>
      {waiting && seconds > 0 ? (
        <button type="button" className="btn small light" onClick={() => controller.reconnectNow()}>
          {t('conn.retryNow')}
        </button>
      ) : null}
    </div>
  )
}
