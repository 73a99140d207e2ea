import { useEffect } from 'react'
import { AuthScreen } from './components/AuthScreen.js'
import { Notices } from './components/Notices.js'
import { OfflineScreen } from './components/OfflineScreen.js'
import { Shell } from './components/Shell.js'
import { useAppState, useT } from './hooks/app-context.js'
import { useOnline } from './hooks/use-online.js'

export function App() {
  const signedIn = useAppState((s) => !!s.auth)
  const ready = useAppState((s) => !!s.auth?.user)
  const locale = useAppState((s) => s.locale)
  const t = useT()
  // started from the cached shell with no network: say so instead of loading forever
  const offline = !useOnline() && signedIn && !ready
  useEffect(() => {
    document.documentElement.lang = locale
    document.title = t('app.name')
  }, [locale, t])
  return (
    <>
      {!signedIn ? (
        <AuthScreen />
      ) : ready ? (
        <Shell />
      ) : offline ? (
        <OfflineScreen />
      ) : (
        <div className="splash" role="status">
          <span className="spinner" aria-hidden="true" />
          <span>{t('common.loading')}</span>
        </div>
      )}
      {offline ? null : <Notices />}
    </>
  )
}
