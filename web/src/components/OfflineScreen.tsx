import { useEffect } from 'react'
import { useT } from '../hooks/app-context.js'

/**
 * Shown instead of the loading spinner when the app shell started (from the service worker's
 * cache) without a network: nothing of the account could load, so say so plainly and start over
 * as soon as the network is back.
 */
export function OfflineScreen() {
  const t = useT()
  useEffect(() => {
    const reload = () => window.location.reload()
    window.addEventListener('online', reload)
    return () => window.removeEventListener('online', reload)
  }, [])
  return (
    <div className="splash offline" role="status" data-testid="offline-screen">
      <img src="/icons/icon-192.png" alt="" width={64} height={64} />
      <strong>{t('offline.title')}</strong>
      <span>{t('offline.body')}</span>
      <button type="button" className="btn small" onClick={() => window.location.reload()}>
        {t('offline.retry')}
      </button>
    </div>
  )
}
