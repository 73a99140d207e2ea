import { useState } from 'react'
import { useController, useT } from '../hooks/app-context.js'

/** Password reset before signing in: a code to the bound e-mail, then the code and a new password. */
export function ResetPassword() {
  const controller = useController()
  const t = useT()
  const [open, setOpen] = useState(false)
  const [email, setEmail] = useState('')
  const [code, setCode] = useState('')
  const [password, setPassword] = useState('')
  const [sent, setSent] = useState(false)
  const [busy, setBusy] = useState(false)
  if (!open) {
    return (
      <button type="button" className="btn ghost small forgot" onClick={() => setOpen(true)}>
        {t('auth.forgot')}
      </button>
    )
  }
  return (
    <section className="reset" aria-labelledby="reset-h">
      <h2 id="reset-h">{t('auth.resetTitle')}</h2>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault()
          setBusy(true)
          if (!sent) setSent(await controller.account.requestReset(email.trim()))
          else if (await controller.account.confirmReset(email.trim(), code.trim(), password)) {
            setOpen(false)
            setSent(false)
          }
          setBusy(false)
        }}
      >
        <label className="field">
          <span>{t('auth.resetEmail')}</span>
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        {sent ? (
          <>
            <label className="field">
              <span>{t('auth.resetCode')}</span>
              <input inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
            </label>
            <label className="field">
              <span>{t('auth.resetNew')}</span>
              <input type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </>
        ) : null}
        <div className="row-actions">
          <button type="submit" className="btn primary small" disabled={busy}>
            {sent ? t('auth.resetConfirm') : t('auth.resetSend')}
          </button>
          <button type="button" className="btn ghost small" onClick={() => setOpen(false)}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </section>
  )
}
