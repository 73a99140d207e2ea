import { useEffect, useState, type FormEvent } from 'react'
import { ApiError } from '@jim/client'
import type { Captcha, WeakPasswordDetails } from '../api/types.js'
import { hasAccountHere } from '../app/controller.js'
import { loadStrengthEstimator, type Strength } from '../app/password-strength.js'
import { useController, useT } from '../hooks/app-context.js'
import { errorText } from './error-text.js'
import { LanguageSwitch } from './LanguageSwitch.js'
import { ResetPassword } from './ResetPassword.js'

const USERNAME = /^[a-z0-9_.-]{3,32}$/

type Mode = 'login' | 'register'

/**
 * Sign in and create an account, with captcha, a password meter while typing and the server's
 * feedback. A browser that never signed in here starts on "Create account".
 */
export function AuthScreen() {
  const controller = useController()
  const t = useT()
  const [mode, setMode] = useState<Mode>(() => (hasAccountHere() ? 'login' : 'register'))
  const [username, setUsername] = useState('')
  const [nickname, setNickname] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [weak, setWeak] = useState<WeakPasswordDetails | null>(null)
  const [captcha, setCaptcha] = useState<Captcha | null>(null)
  const [captchaAnswer, setCaptchaAnswer] = useState('')
  const live = useLiveStrength(mode === 'register' ? password : '', [username, nickname])

  const switchMode = (m: Mode) => {
    setMode(m)
    setError(null)
    setWeak(null)
  }

  const loadCaptcha = async () => {
    setCaptchaAnswer('')
    try {
      setCaptcha(await controller.api.captcha())
    } catch {
      setCaptcha(null)
      setError(t('auth.captchaUnavailable'))
    }
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    const name = username.trim().toLowerCase()
    if (mode === 'register' && !USERNAME.test(name)) return setError(t('auth.usernameRule'))
    if (!name || !password) return setError(t('auth.fillBoth'))
    const answer = captcha && captchaAnswer.trim() ? { id: captcha.captchaId, answer: captchaAnswer.trim() } : undefined
    setBusy(true)
    try {
      if (mode === 'register') {
        setWeak(null)
        await controller.register({ username: name, password, ...(nickname.trim() ? { nickname: nickname.trim() } : {}) }, answer)
        setCaptcha(null)
        // the account exists now: whatever happens next (a captcha to sign in) happens on the sign-in tab
        setMode('login')
        await controller.login(name, password)
      } else {
        await controller.login(name, password, answer)
      }
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.code === 'auth.captcha_required' || err.code === 'auth.captcha_invalid') await loadCaptcha()
        else if (captcha) void loadCaptcha() // captchas are single use
        if (err.code === 'auth.weak_password') setWeak((err.details as WeakPasswordDetails) ?? null)
      }
      setError(errorText(t, err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="auth-page">
      <div className="auth-top">
        <LanguageSwitch />
      </div>
      <main className="auth-card">
        <div className="brand">
          <span className="brand-logo" aria-hidden="true">
            J
          </span>
          <div>
            <h1>{t('app.name')}</h1>
            <p className="muted">{t('app.tagline')}</p>
          </div>
        </div>
        <div className="segmented" role="tablist" aria-label={t('auth.modes')}>
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'login'}
            className={mode === 'login' ? 'active' : ''}
            onClick={() => switchMode('login')}
          >
            {t('auth.login')}
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'register'}
            className={mode === 'register' ? 'active' : ''}
            onClick={() => switchMode('register')}
          >
            {t('auth.register')}
          </button>
        </div>
        <form onSubmit={submit} className="form" noValidate>
          <label className="field">
            <span>{t('auth.username')}</span>
            <input
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              required
              maxLength={32}
            />
            {mode === 'register' ? <small className="hint">{t('auth.usernameRule')}</small> : null}
          </label>
          {mode === 'register' ? (
            <label className="field">
              <span>{t('auth.nickname')}</span>
              <input
                name="nickname"
                autoComplete="nickname"
                value={nickname}
                onChange={(e) => setNickname(e.target.value)}
                maxLength={64}
              />
            </label>
          ) : null}
          <label className="field">
            <span>{t('auth.password')}</span>
            <input
              name="password"
              type="password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              value={password}
              onChange={(e) => {
                setPassword(e.target.value)
                setWeak(null)
              }}
              required
              maxLength={128}
              aria-describedby={weak || live ? 'password-feedback' : undefined}
            />
          </label>
          {mode === 'register' && weak ? <PasswordFeedback details={weak} /> : null}
          {mode === 'register' && !weak && live ? <LiveStrength strength={live} /> : null}
          {captcha ? (
            <div className="field captcha">
              <span>{t('auth.captcha')}</span>
              <div className="captcha-row">
                <img src={captchaSrc(captcha.image)} alt={t('auth.captchaAlt')} className="captcha-image" />
                <button type="button" className="btn ghost small" onClick={() => void loadCaptcha()}>
                  {t('auth.captchaRefresh')}
                </button>
              </div>
              <input
                name="captcha"
                aria-label={t('auth.captchaAnswer')}
                placeholder={t('auth.captchaAnswer')}
                autoComplete="off"
                value={captchaAnswer}
                onChange={(e) => setCaptchaAnswer(e.target.value)}
              />
            </div>
          ) : null}
          {error ? (
            <p className="form-error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" className="btn primary block" disabled={busy}>
            {busy ? t('common.wait') : mode === 'login' ? t('auth.loginAction') : t('auth.registerAction')}
          </button>
        </form>
        {mode === 'login' ? <ResetPassword /> : null}
      </main>
    </div>
  )
}

function PasswordFeedback({ details }: { details: WeakPasswordDetails }) {
  const t = useT()
  if (details.reason === 'too_short') {
    return (
      <div id="password-feedback" className="strength" aria-live="polite">
        <StrengthBar score={0} />
        <small>{t('auth.passwordTooShort', { min: details.minLength })}</small>
      </div>
    )
  }
  return (
    <div id="password-feedback" className="strength" aria-live="polite">
      <StrengthBar score={details.score} />
      <small>{t('auth.passwordTooGuessable', { score: details.score, min: details.minScore })}</small>
      {details.suggestions?.length ? (
        <ul className="suggestions">
          {details.suggestions.map((s) => (
            <li key={s} lang="en">
              {s}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}

/** The estimate for what is typed now (null while empty or while the estimator loads). */
function useLiveStrength(password: string, userInputs: string[]): Strength | null {
  const [strength, setStrength] = useState<Strength | null>(null)
  const inputs = userInputs.join('\n')
  useEffect(() => {
    if (!password) {
      setStrength(null)
      return
    }
    let current = true
    loadStrengthEstimator()
      .then((estimate) => current && setStrength(estimate(password, inputs.split('\n'))))
      .catch(() => current && setStrength(null))
    return () => {
      current = false
    }
  }, [password, inputs])
  return strength
}

const STRENGTH_KEYS = ['auth.strength0', 'auth.strength1', 'auth.strength2', 'auth.strength3', 'auth.strength4'] as const

function LiveStrength({ strength }: { strength: Strength }) {
  const t = useT()
  return (
    <div id="password-feedback" className="strength" data-testid="password-strength">
      <StrengthBar score={strength.score} />
      <small aria-live="polite">{t(STRENGTH_KEYS[strength.score] ?? 'auth.strength0')}</small>
    </div>
  )
}

function StrengthBar({ score }: { score: number }) {
  const t = useT()
  return (
    <div className="strength-bar" role="meter" aria-valuemin={0} aria-valuemax={4} aria-valuenow={score} aria-label={t('auth.strength')}>
      {[0, 1, 2, 3].map((i) => (
        <span key={i} className={i < Math.max(1, score) ? `on s${score}` : ''} />
      ))}
    </div>
  )
}

/** The captcha image is SVG markup or a data URL; shown through <img> so it can never run script. */
function captchaSrc(image: string): string {
  if (image.startsWith('data:')) return image
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(image)}`
}
