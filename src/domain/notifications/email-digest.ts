import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Logger } from 'pino'
import type { Clock } from '../../shared/clock.js'
import { AppError } from '../errors.js'
import type { Mailer } from '../security/mailer.js'
import type { DigestCandidate, NotificationStore } from './notification-store.js'

export interface EmailDigestDeps {
  store: NotificationStore
  mailer: Mailer
  clock: Clock
  logger: Logger
  secret: string
  publicUrl: string
  /** messages unread this long are mailed */
  delayMs: number
  /** at most one digest per user per interval */
  intervalMs: number
}

/** Users looked at per run; the rest wait for the next run (a minute later). */
const BATCH = 200

/**
 * The e-mail digest for people who were away: users who opted in (and have a verified address)
 * get one mail listing the chats with messages left unread for `delayMs`, at most once per
 * `intervalMs`, never about the same messages twice. Each instance may run it: claiming the
 * user's digest slot is a compare-and-set on the last send time, so one instance mails.
 * The mail's unsubscribe link is signed (HMAC with JIM_SECRET) and works without signing in.
 */
export class EmailDigest {
  readonly #d: EmailDigestDeps
  #timer: NodeJS.Timeout | null = null
  #running: Promise<number> | null = null

  constructor(deps: EmailDigestDeps) {
    this.#d = deps
  }

  start(everyMs: number): void {
    this.#timer = setInterval(() => void this.runOnce().catch(() => {}), everyMs)
    this.#timer.unref()
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    await this.#running?.catch(() => {})
  }

  /** One pass: mails every user due a digest now; answers how many were sent. */
  runOnce(): Promise<number> {
    this.#running ??= this.#pass().finally(() => (this.#running = null))
    return this.#running
  }

  async #pass(): Promise<number> {
    const now = this.#d.clock.now()
    const due = await this.#d.store.digestCandidates({
      sentBefore: now - this.#d.intervalMs,
      unreadBefore: now - this.#d.delayMs,
      limit: BATCH,
    })
    let sent = 0
    for (const c of due) {
      if (!(await this.#d.store.claimDigest(c.userId, c.sentAt, now))) continue
      try {
        await this.#d.mailer.send(this.#mail(c))
        sent++
        this.#d.logger.info({ event: 'email.digest_sent', userId: c.userId, conversations: c.unread.length }, 'e-mail digest sent')
      } catch (err) {
        // the slot stays claimed: the next interval tries again, never a burst of retries
        this.#d.logger.warn({ event: 'email.digest_failed', userId: c.userId, err }, 'e-mail digest could not be sent')
      }
    }
    return sent
  }

  #mail(c: DigestCandidate): { to: string; subject: string; text: string } {
    const total = c.unread.reduce((n, u) => n + u.count, 0)
    const lines = c.unread.map((u) => `- ${u.title || '(chat)'}: ${u.count} unread / 未读 ${u.count} 条`)
    return {
      to: c.email,
      subject: `JIM: ${total} unread message${total === 1 ? '' : 's'} / ${total} 条未读消息`,
      text: [
        'You have unread messages on JIM. / 你在 JIM 上有未读消息。',
        '',
        ...lines,
        '',
        `Open JIM / 打开 JIM: ${this.#d.publicUrl}`,
        '',
        `Stop these e-mails / 退订此类邮件: ${this.unsubscribeUrl(c.userId)}`,
      ].join('\n'),
    }
  }

  unsubscribeUrl(userId: string): string {
    return `${this.#d.publicUrl.replace(/\/$/, '')}/api/v1/notifications/unsubscribe?u=${userId}&s=${this.#sign(userId)}`
  }

  /** Turns the digest off for the user a valid link names; no session needed. */
  async unsubscribe(userId: string, signature: string): Promise<void> {
    const expected = Buffer.from(this.#sign(userId))
    const given = Buffer.from(signature)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('email.unsubscribe_invalid')
    const settings = await this.#d.store.settings(userId)
    if (settings.emailDigest) await this.#d.store.saveSettings(userId, { ...settings, emailDigest: false }, this.#d.clock.now())
    this.#d.logger.info({ event: 'email.digest_unsubscribed', userId }, 'e-mail digest turned off by the unsubscribe link')
  }

  #sign(userId: string): string {
    return createHmac('sha256', this.#d.secret).update(`jim.digest-unsubscribe.v1\n${userId}`).digest('base64url')
  }
}
