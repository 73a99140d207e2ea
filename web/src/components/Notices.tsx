import { useAppState, useController, useT } from '../hooks/app-context.js'
import { isMessageKey } from '../i18n/index.js'
import { codeText } from './error-text.js'

/** Short-lived messages (errors, confirmations) in the corner. */
export function Notices() {
  const controller = useController()
  const t = useT()
  const notices = useAppState((s) => s.notices)
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.key && isMessageKey(n.key) ? t(n.key, n.params) : codeText(t, n.code ?? '', n.fallback)}</span>
          <button type="button" className="icon-btn small" aria-label={t('common.close')} onClick={() => controller.dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
