import type { Logger } from 'pino'
import { AppError } from '../errors.js'
import type { CaptchaAnswer, CaptchaService } from './captcha-service.js'
import type { LimitRule, RateLimiter } from './rate-limiter.js'
import type { RegistrationPolicy } from './registration-policy.js'

export interface LoginAttempt {
  /** lower-cased as typed (unknown users are counted too, so they look like real ones) */
  username: string
  ip: string
  captcha?: CaptchaAnswer
}

/** What the auth service asks before and after checking credentials. */
export interface AuthGuard {
  /** Throws `rate_limited` (429), `auth.captcha_required` or `auth.captcha_invalid` (422). */
  beforeLogin(attempt: LoginAttempt): Promise<void>
  loginFailed(attempt: LoginAttempt): Promise<void>
  loginSucceeded(attempt: LoginAttempt): Promise<void>
  /** Throws `auth.registration_closed`, or a captcha error in `always` mode. */
  beforeRegister(attempt: { ip: string; captcha?: CaptchaAnswer }): Promise<void>
}

export type CaptchaMode = 'auto' | 'always' | 'off'

export interface LoginGuardOptions {
  limiter: RateLimiter
  captcha: CaptchaService
  registration: RegistrationPolicy
  logger: Logger
  mode: CaptchaMode
  /** JIM_RATE_LIMIT_ENABLED: false = never 429 (failures are still counted for `auto` captchas) */
  limitsEnabled: boolean
  /** failures per (account, IP) before a captcha is required */
  captchaAfter: number
  /** failures per IP before 429 */
  failuresPerIp: number
}

/** Failures are counted in this sliding window. */
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000

/**
 * Login throttling. Failures are counted per (account, IP), per IP and per account:
 * - `auto`: a captcha is required after `captchaAfter` failures for the account from this IP,
 *   after a third of the IP cap from the IP (one address spraying many accounts), or after
 *   5 x `captchaAfter` failures for the account from all IPs together (a distributed attack).
 *   The account is never locked: whoever solves the captcha and knows the password gets in.
 * - every mode: past `failuresPerIp` failures in the window, the IP gets 429 with Retry-After.
 * A successful login clears its (account, IP) counter only, so an attacker elsewhere keeps theirs.
 */
export class LoginGuard implements AuthGuard {
  readonly #o: LoginGuardOptions
  readonly #rules: { accountIp: LimitRule; ipCaptcha: LimitRule; ipCap: LimitRule; account: LimitRule }

  constructor(options: LoginGuardOptions) {
    this.#o = options
    const windowMs = LOGIN_FAILURE_WINDOW_MS
    this.#rules = {
      accountIp: { limit: options.captchaAfter, windowMs },
      ipCaptcha: { limit: Math.max(options.captchaAfter, Math.ceil(options.failuresPerIp / 3)), windowMs },
      ipCap: { limit: options.failuresPerIp, windowMs },
      account: { limit: options.captchaAfter * 5, windowMs },
    }
  }

  async beforeLogin(a: LoginAttempt): Promise<void> {
    const { limiter, mode } = this.#o
    if (this.#o.limitsEnabled) {
      const ip = await limiter.peek(keys.ip(a), this.#rules.ipCap)
      if (!ip.allowed) {
        const seconds = Math.ceil(ip.retryAfterMs / 1000)
        this.#o.logger.warn({ event: 'login.rate_limited', ip: a.ip, retryAfterSeconds: seconds }, 'too many failed logins from one IP')
        throw new AppError('rate_limited', `Too many failed logins from your address; retry in ${seconds} s.`, {
          retryAfter: seconds,
          details: { retryAfterSeconds: seconds },
        })
      }
    }
    if (mode === 'off') return
    if (mode === 'always' || (await this.#captchaNeeded(a))) await this.#o.captcha.verify(a.captcha)
  }

  async loginFailed(a: LoginAttempt): Promise<void> {
    const { limiter } = this.#o
    const [accountIp] = await Promise.all([
      limiter.hit(keys.accountIp(a), this.#rules.accountIp),
      limiter.hit(keys.ip(a), this.#rules.ipCap),
      limiter.hit(keys.account(a), this.#rules.account),
    ])
    if (this.#o.mode === 'auto' && accountIp.count === this.#rules.accountIp.limit) {
      this.#o.logger.info({ event: 'login.captcha_required', ip: a.ip, username: a.username }, 'repeated failed logins: captcha required')
    }
  }

  async loginSucceeded(a: LoginAttempt): Promise<void> {
    await this.#o.limiter.reset(keys.accountIp(a))
  }

  async beforeRegister(a: { ip: string; captcha?: CaptchaAnswer }): Promise<void> {
    await this.#o.registration.assertOpen()
    if (this.#o.mode === 'always') await this.#o.captcha.verify(a.captcha)
  }

  async #captchaNeeded(a: LoginAttempt): Promise<boolean> {
    const { limiter } = this.#o
    const states = await Promise.all([
      limiter.peek(keys.accountIp(a), this.#rules.accountIp),
      limiter.peek(keys.ip(a), this.#rules.ipCaptcha),
      limiter.peek(keys.account(a), this.#rules.account),
    ])
    return states.some((s) => !s.allowed)
  }
}

const keys = {
  accountIp: (a: LoginAttempt) => `login-fail:acct-ip:${a.username}\0${a.ip}`,
  ip: (a: LoginAttempt) => `login-fail:ip:${a.ip}`,
  account: (a: LoginAttempt) => `login-fail:acct:${a.username}`,
}
