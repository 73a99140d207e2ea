import type { Logger } from 'pino'
import type { Broker } from '../broker.js'
import type { DomainEvents } from '../domain-events.js'
import type { Clock } from '../../shared/clock.js'
import type { AuditEntry } from '../admin/audit-log-store.js'
import type { Store } from '../store.js'
import type { AuthService, Principal } from '../auth/auth-service.js'
import { AppError } from '../errors.js'
import { selfUserView, type User } from '../users/user.js'
import type { EmailCodeService } from './email-code-service.js'

export interface AccountServiceDeps {
  store: Store
  broker: Broker
  auth: AuthService
  emailCodes: EmailCodeService
  /** announces `account.deleted` */
  events: DomainEvents
  clock: Clock
  logger: Logger
}

/** Account security: binding a verified e-mail, password reset by e-mail code, deleting an account. */
export class AccountService {
  readonly #d: AccountServiceDeps

  constructor(deps: AccountServiceDeps) {
    this.#d = deps
  }

  /**
   * Checks the password and e-mails a code that binds `email` once verified. Answers the same
   * whether or not another account holds the address (no enumeration): only someone who reads
   * the mailbox gets further, and `verifyEmail` settles who keeps it.
   */
  async requestEmailChange(principal: Principal, emailInput: string, password: string): Promise<{ email: string; expiresAt: number }> {
    const userId = principal.user.id
    await this.#d.auth.confirmPassword(userId, password)
    const email = normalizeEmail(emailInput)
    const { expiresAt } = await this.#d.emailCodes.send(userId, 'email', email)
    return { email, expiresAt }
  }

  /**
   * Registration with an address: the address is never bound on the spot (whether it could be
   * would tell a stranger that another account holds it); a binding code is e-mailed in the
   * background instead, entered later with `POST /me/email/verify`.
   */
  offerEmailBinding(userId: string, emailInput: string): void {
    const email = normalizeEmail(emailInput)
    void this.#d.emailCodes.send(userId, 'email', email).catch((err: unknown) => {
      this.#d.logger.warn({ event: 'email.binding_not_sent', userId, code: (err as AppError).code }, 'binding code not sent')
    })
  }

  /**
   * Binds the address the code was sent to; the user's other devices get `user.updated`.
   * 409 `user.email_taken` when another account has verified it: told only to someone who just
   * proved they read the mailbox.
   */
  async verifyEmail(userId: string, code: string): Promise<User> {
    const redeemed = await this.#d.emailCodes.redeem(userId, 'email', code, { revealAttempts: true })
    const bound = await this.#d.store.accounts.setVerifiedEmail(userId, redeemed.email, this.#d.clock.now())
    if (!bound) throw new AppError('user.not_found')
    // another account proved the address first: it keeps it
    if (bound === 'taken') throw new AppError('user.email_taken')
    const { user, previousHolderId } = bound
    this.#d.logger.info({ event: 'user.email_verified', userId, tookFromUserId: previousHolderId }, 'e-mail address verified')
    for (const changed of previousHolderId ? [userId, previousHolderId] : [userId]) {
      await this.#d.broker.publish({ kind: 'user.changed', userId: changed })
      const fresh = changed === userId ? user : await this.#d.store.users.findById(changed)
      if (fresh)
        await this.#d.broker.publish({
          kind: 'push',
          route: { users: [changed] },
          event: { type: 'user.updated', user: selfUserView(fresh) },
        })
    }
    return user
  }

  /**
   * Starts a password reset. Answers the same, in the same time, whether or not the address
   * belongs to an active account with it verified: the code is made and sent in the background.
   */
  async requestPasswordReset(emailInput: string): Promise<void> {
    const email = normalizeEmail(emailInput)
    const user = await this.#d.store.accounts.findActiveByVerifiedEmail(email)
    if (!user) {
      this.#d.logger.info({ event: 'password_reset.unknown_address' }, 'password reset asked for an address no account has verified')
      return
    }
    this.#d.logger.info({ event: 'password_reset.requested', userId: user.id }, 'password reset requested')
    void this.#d.emailCodes.send(user.id, 'reset', email).catch((err: unknown) => {
      this.#d.logger.warn({ event: 'password_reset.not_sent', userId: user.id, code: (err as AppError).code }, 'reset code not sent')
    })
  }

  /**
   * Sets a new password with an e-mailed code and signs every device out (sockets get
   * `session.revoked` and close with 4001). Every answer before the code matched is the same for
   * known and unknown addresses: the password's strength is judged without the account first,
   * a wrong code says nothing of attempts left; only a matching code gets the account-specific
   * strength check (refusing keeps the code).
   */
  async confirmPasswordReset(emailInput: string, code: string, newPassword: string): Promise<void> {
    const email = normalizeEmail(emailInput)
    await this.#d.auth.checkNewPassword(newPassword, { username: '', nickname: '', email })
    const user = await this.#d.store.accounts.findActiveByVerifiedEmail(email)
    if (!user) throw new AppError('email.code_invalid')
    await this.#d.emailCodes.redeem(user.id, 'reset', code, {
      expectedEmail: email,
      beforeConsume: () => this.#d.auth.checkNewPassword(newPassword, user),
    })
    await this.#d.auth.resetPassword(user.id, newPassword)
  }

  /** DELETE /me: checks the password, then deletes the account. */
  async deleteOwnAccount(principal: Principal, password: string): Promise<void> {
    await this.#d.auth.confirmPassword(principal.user.id, password)
    await this.deleteAccount(principal.user.id)
  }

  /**
   * Deletes an account: anonymized in one transaction (with `audit` when an admin does it),
   * then every session revoked (sockets closed with 4001), caches told, and the deletion hooks run.
   * Messages stay; they show as from "Deleted user". Returns false if it was already deleted.
   */
  async deleteAccount(userId: string, audit?: AuditEntry): Promise<boolean> {
    const deleted = await this.#d.store.accounts.markDeleted(userId, this.#d.clock.now(), audit)
    if (!deleted) return false
    this.#d.logger.info({ event: 'user.deleted', userId, by: audit ? audit.actorId : 'self' }, 'account deleted')
    await this.#d.broker.publish({ kind: 'user.changed', userId })
    await this.#d.auth.revokeAllSessions(userId, 'account_deleted')
    // committed and the sessions revoked: now the other capabilities clean up (groups hand over ownership...)
    await this.#d.events.emit('account.deleted', { userId })
    return true
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}
