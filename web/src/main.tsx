import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.js'
import { Controller } from './app/controller.js'
import { ControllerContext } from './hooks/app-context.js'
import { pickLocale } from './i18n/index.js'
import { startPwa } from './app/pwa.js'
import { startRouter } from './app/router.js'
import './styles.css'

const locale = Controller.storedLocale() ?? pickLocale(navigator.languages?.length ? navigator.languages : [navigator.language])
const controller = new Controller(locale)
document.documentElement.lang = locale
startPwa(controller)
startRouter(controller)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ControllerContext.Provider value={controller}>
      <App />
    </ControllerContext.Provider>
  </StrictMode>,
)
