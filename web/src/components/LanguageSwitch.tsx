import { LOCALES, type Locale } from '../i18n/index.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'

/** Language names are shown in their own language (the same in every dictionary). */
export function LanguageSwitch() {
  const controller = useController()
  const locale = useAppState((s) => s.locale)
  const t = useT()
  return (
    <label className="lang-switch">
      <select aria-label={t('settings.language')} value={locale} onChange={(e) => controller.setLocale(e.target.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(l === 'en' ? 'lang.en' : 'lang.zh-CN')}
          </option>
        ))}
      </select>
    </label>
  )
}
