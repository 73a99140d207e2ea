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

/**
 * One login attempt's place in the failure counters, reserved before the password is checked:
 * the attempt counts as a failure from the start, so a parallel burst sees every attempt still in
 * flight and cannot slip past the thresholds. Exactly one of the three ends it.
 */
export interface LoginTicket {
  /** the password was wrong (or the user unknown): the reservation stays, as the failure */
  failed(): Promise<void>
  /** the password was right: the reservation is given back and the (account, IP) count cleared */
  succeeded(): Promise<void>
  /** the attempt ended otherwise (disabled account, a store error): nothing is counted */
  abandon(): Promise<void>
}

/** What the auth service asks before and after checking credentials. */
export interface AuthGuard {
  /**
   * Reserves the attempt in the failure counters, then throws `rate_limited` (429),
   * `auth.captcha_required` or `auth.captcha_invalid` (422), giving the reservation back.
   */
  beforeLogin(attempt: LoginAttempt): Promise<LoginTicket>
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
 *
 * Every attempt is reserved in all three counters before the password is checked (and given back
 * when it was right), so N parallel attempts are judged as N failures, never as N first tries.
 * A side effect: more parallel logins from one IP than its cap, even right ones, get 429.
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

  async beforeLogin(a: LoginAttempt): Promise<LoginTicket> {
    const { limiter, mode } = this.#o
    const rules = this.#rules
    // reserve first (each hit is atomic in the store), decide from what the reservations saw
    const [ip, accountIp, account] = await Promise.all([
      limiter.hit(keys.ip(a), rules.ipCap),
      limiter.hit(keys.accountIp(a), rules.accountIp),
      limiter.hit(keys.account(a), rules.account),
    ])
    const reserved: Array<[string, string]> = []
    if (ip.eventId) reserved.push([keys.ip(a), ip.eventId])
    if (accountIp.eventId) reserved.push([keys.accountIp(a), accountIp.eventId])
    if (account.eventId) reserved.push([keys.account(a), account.eventId])
    const release = () => Promise.all(reserved.map(([key, id]) => limiter.release(key, id))).then(() => {})
    try {
      if (this.#o.limitsEnabled && !ip.allowed) {
        const seconds = Math.ceil(ip.retryAfterMs / 1000)
        this.#o.logger.warn({ event: 'login.rate_limited', ip: a.ip, retryAfterSeconds: seconds }, 'too many failed logins from one IP')
        throw new AppError('rate_limited', `Too many failed logins from your address; retry in ${seconds} s.`, {
          retryAfter: seconds,
          details: { retryAfterSeconds: seconds },
        })
      }
      // an allowed hit's count includes this attempt: the failures before it are one fewer
      const captchaNeeded =
        mode === 'always' ||
        (mode === 'auto' && (!accountIp.allowed || !account.allowed || !ip.allowed || ip.count - 1 >= rules.ipCaptcha.limit))
      if (captchaNeeded) await this.#o.captcha.verify(a.captcha)
    } catch (err) {
      await release()
      throw err
    }
    return {
      failed: async () => {
        if (mode === 'auto' && accountIp.allowed && accountIp.count === rules.accountIp.limit) {
          this.#o.logger.info(
            { event: 'login.captcha_required', ip: a.ip, username: a.username },
            'repeated failed logins: captcha required',
          )
        }
      },
      succeeded: async () => {
        await release()
        await limiter.reset(keys.accountIp(a))
      },
      abandon: release,
    }
  }

  async beforeRegister(a: { ip: string; captcha?: CaptchaAnswer }): Promise<void> {
    await this.#o.registration.assertOpen()
    if (this.#o.mode === 'always') await this.#o.captcha.verify(a.captcha)
  }
}

const keys = {
  accountIp: (a: LoginAttempt) => `login-fail:acct-ip:${a.username}\0${a.ip}`,
  ip: (a: LoginAttempt) => `login-fail:ip:${a.ip}`,
  account: (a: LoginAttempt) => `login-fail:acct:${a.username}`,
}
