import { createHmac, randomInt, timingSafeEqual } from 'node:crypto'
import type { Logger } from 'pino'
import type { Clock } from '../../shared/clock.js'
import { newId } from '../../shared/ids.js'
import type { EmailCode, EmailCodePurpose, EmailCodeStore } from './email-code-store.js'
import { AppError } from '../errors.js'
import type { Mailer } from './mailer.js'
import type { RateLimiter } from './rate-limiter.js'

export interface EmailCodeServiceOptions {
  codes: EmailCodeStore
  mailer: Mailer
  limiter: RateLimiter
  /** JIM_RATE_LIMIT_ENABLED */
  limitsEnabled: boolean
  /** JIM_SECRET: codes are stored as HMAC(secret, id, code) */
  secret: string
  clock: Clock
  logger: Logger
  ttlMs: number
  maxAttempts: number
  /** codes sent to one address per hour */
  sendsPerHour: number
  /** shown in the e-mail so people know where the code is for */
  publicUrl: string
}

const SUBJECTS: Record<EmailCodePurpose, string> = {
  email: 'Your JIM verification code',
  reset: 'Your JIM password reset code',
}

/** Six-digit e-mailed codes: issued, stored as an HMAC, checked with a bounded number of guesses. */
export class EmailCodeService {
  readonly #o: EmailCodeServiceOptions

  constructor(options: EmailCodeServiceOptions) {
    this.#o = options
  }

  /**
   * Makes a new code for (user, purpose), voiding older ones, and e-mails it to `email`.
   * Throws `rate_limited` when the address already got too many codes this hour, and
   * `email.send_failed` (503) when the mail server does not take the message.
   */
  async send(userId: string, purpose: EmailCodePurpose, email: string): Promise<{ expiresAt: number }> {
    const { clock, codes, limiter } = this.#o
    if (this.#o.limitsEnabled) {
      const state = await limiter.hit(`email-send:addr:${email}`, { limit: this.#o.sendsPerHour, windowMs: 3600_000 })
      if (!state.allowed) {
        const seconds = Math.ceil(state.retryAfterMs / 1000)
        throw new AppError('rate_limited', `Too many codes were sent to this address; retry in ${seconds} s.`, { retryAfter: seconds })
      }
    }
    const now = clock.now()
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    const id = newId()
    const expiresAt = now + this.#o.ttlMs
    await codes.replace({ id, userId, purpose, email, codeHash: this.#hash(id, code), expiresAt, createdAt: now })
    // housekeeping: codes a day past expiry are of no use to anyone
    void codes.deleteExpired(now - 86_400_000).catch(() => {})
    const minutes = Math.round(this.#o.ttlMs / 60_000)
    const what = purpose === 'email' ? `confirm this address for your account` : `reset the password of your account`
    try {
      await this.#o.mailer.send({
        to: email,
        subject: SUBJECTS[purpose],
        text:
          `Your code: ${code}\n\n` +
          `Enter it in JIM (${this.#o.publicUrl}) to ${what}. It expires in ${minutes} minutes.\n` +
          `If you did not ask for this, ignore this e-mail: nothing changes without the code.\n`,
      })
    } catch (err) {
      this.#o.logger.error({ event: 'email.send_failed', userId, purpose, err }, 'could not send an e-mail code')
      throw new AppError('email.send_failed', undefined, { retryAfter: 30, cause: err })
    }
    this.#o.logger.info({ event: 'email.code_sent', userId, purpose, codeId: id }, 'e-mail code sent')
    return { expiresAt }
  }

  /**
   * Checks a code and uses it up. Every guess takes one attempt first (atomically), so parallel
   * guesses cannot exceed `maxAttempts`; the last wrong guess voids the code. Throws 422
   * `email.code_invalid` when wrong, expired, used, or sent to another address; with
   * `revealAttempts` (the signed-in owner binding an address) its details say how many guesses
   * are left, which an anonymous caller must not learn (it would tell a known address from an
   * unknown one). `beforeConsume` runs once the code matched and may refuse, keeping the code.
   */
  async redeem(
    userId: string,
    purpose: EmailCodePurpose,
    code: string,
    options: { expectedEmail?: string; revealAttempts?: boolean; beforeConsume?: (live: EmailCode) => void | Promise<void> } = {},
  ): Promise<EmailCode> {
    const { codes, clock, maxAttempts } = this.#o
    const now = clock.now()
    const live = await codes.findLive(userId, purpose, now)
    if (!live || (options.expectedEmail !== undefined && live.email !== options.expectedEmail)) throw new AppError('email.code_invalid')
    const left = (n: number) => (options.revealAttempts ? { details: { attemptsLeft: n } } : {})
    const attempts = await codes.addFailedAttempt(live.id)
    if (attempts > maxAttempts) {
      await codes.consume(live.id, now)
      throw new AppError('email.code_invalid', undefined, left(0))
    }
    if (!this.#matches(live, code)) {
      if (attempts >= maxAttempts) await codes.consume(live.id, now)
      this.#o.logger.info({ event: 'email.code_wrong', userId, purpose, attempts }, 'wrong e-mail code')
      throw new AppError('email.code_invalid', undefined, left(maxAttempts - attempts))
    }
    await options.beforeConsume?.(live)
    if (!(await codes.consume(live.id, now))) throw new AppError('email.code_invalid')
    return live
  }

  #matches(live: EmailCode, code: string): boolean {
    const given = Buffer.from(this.#hash(live.id, code.trim()), 'hex')
    const expected = Buffer.from(live.codeHash, 'hex')
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  #hash(id: string, code: string): string {
    return createHmac('sha256', this.#o.secret).update(`email-code\0${id}\0${code}`).digest('hex')
  }
}
