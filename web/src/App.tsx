import { useEffect } from 'react'
import { AuthScreen } from './components/AuthScreen.js'
import { Notices } from './components/Notices.js'
import { Shell } from './components/Shell.js'
import { useAppState, useT } from './hooks/app-context.js'

export function App() {
  const signedIn = useAppState((s) => !!s.auth)
  const ready = useAppState((s) => !!s.auth?.user)
  const locale = useAppState((s) => s.locale)
  const t = useT()
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
      ) : (
        <div className="splash" role="status">
          <span className="spinner" aria-hidden="true" />
          <span>{t('common.loading')}</span>
        </div>
      )}
      <Notices />
    </>
  )
}
