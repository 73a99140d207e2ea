import type { Logger } from 'pino'
import type { Broker } from '../broker.js'
import type { Clock } from '../../shared/clock.js'
import { isId, newId } from '../../shared/ids.js'
import type { AuditEntry } from './audit-log-store.js'
import type { Store } from '../store.js'
import type { AuthService } from '../auth/auth-service.js'
import { AppError } from '../errors.js'
import type { AccountService } from '../security/account-service.js'
import type { RegistrationChange, RegistrationPolicy, RegistrationState } from '../security/registration-policy.js'
import type { User, UserState } from '../users/user.js'

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export interface AdminServiceDeps {
  store: Store
  broker: Broker
  auth: AuthService
  accounts: AccountService
  registration: RegistrationPolicy
  clock: Clock
  logger: Logger
}

/**
 * What system admins do. Every change writes an audit row (in the same transaction as the change
 * where the store allows) and one JSON log line `{event: "admin.<action>", actorId, targetId, details}`.
 *
 * Other capabilities add their own admin actions (world channel switch, world mutes, group
 * limit raise) by calling `auditEntry()` + passing it to their store method, or `record()` after
 * their change, and by putting their routes under `/api/v1/admin/` with the `adminOnly` hook.
 */
export class AdminService {
  readonly #d: AdminServiceDeps

  constructor(deps: AdminServiceDeps) {
    this.#d = deps
  }

  /** Builds an audit entry (now, new id) for a store method that writes it with its change. */
  auditEntry(actorId: string, action: string, targetId: string | null, details: Record<string, unknown> = {}): AuditEntry {
    return { id: newId(), actorId, action, targetId, details, createdAt: this.#d.clock.now() }
  }

  /** Writes an audit entry and its log line, for actions whose change is already committed. */
  async record(actorId: string, action: string, targetId: string | null, details: Record<string, unknown> = {}): Promise<AuditEntry> {
    const entry = this.auditEntry(actorId, action, targetId, details)
    await this.#d.store.auditLog.append(entry)
    this.logged(entry)
    return entry
  }

  /** The log line of an audit entry that was committed. */
  logged(entry: AuditEntry): void {
    this.#d.logger.info(
      { event: `admin.${entry.action}`, actorId: entry.actorId, targetId: entry.targetId, details: entry.details, auditId: entry.id },
      'admin action',
    )
  }

  async listUsers(query: { q?: string; state?: UserState; cursor?: string; limit: number }): Promise<Page<User>> {
    const rows = await this.#d.store.accounts.list({
      q: query.q ?? null,
      state: query.state ?? null,
      beforeId: query.cursor && isId(query.cursor) ? query.cursor : null,
      limit: query.limit + 1,
    })
    const items = rows.slice(0, query.limit)
    return { items, nextCursor: rows.length > query.limit ? items.at(-1)!.id : null }
  }

  async getUser(id: string): Promise<User> {
    const user = isId(id) ? await this.#d.store.users.findById(id) : null
    if (!user) throw new AppError('user.not_found')
    return user
  }

  /** Disables an account: it cannot log in, and every session ends now (sockets close with 4001). */
  async disableUser(actor: User, targetId: string, reason = ''): Promise<User> {
    const target = await this.#target(actor, targetId)
    const entry = this.auditEntry(actor.id, 'user.disabled', target.id, { username: target.username, reason, previousState: target.state })
    const user = await this.#d.store.accounts.setState(target.id, 'disabled', this.#d.clock.now(), entry)
    if (!user) throw new AppError('admin.user_deleted')
    this.logged(entry)
    await this.#d.broker.publish({ kind: 'user.changed', userId: target.id })
    await this.#d.auth.revokeAllSessions(target.id, 'account_disabled')
    return user
  }

  /** Lets a disabled account log in again (its old sessions stay revoked). */
  async enableUser(actor: User, targetId: string): Promise<User> {
    const target = await this.#target(actor, targetId)
    const entry = this.auditEntry(actor.id, 'user.enabled', target.id, { username: target.username, previousState: target.state })
    const user = await this.#d.store.accounts.setState(target.id, 'active', this.#d.clock.now(), entry)
    if (!user) throw new AppError('admin.user_deleted')
    this.logged(entry)
    await this.#d.broker.publish({ kind: 'user.changed', userId: target.id })
    return user
  }

  /** Deletes an account exactly as its owner would (anonymized, sessions revoked, hooks run). */
  async deleteUser(actor: User, targetId: string, reason = ''): Promise<void> {
    const target = await this.#target(actor, targetId)
    const entry = this.auditEntry(actor.id, 'user.deleted', target.id, { username: target.username, reason, previousState: target.state })
    if (!(await this.#d.accounts.deleteAccount(target.id, entry))) throw new AppError('admin.user_deleted')
    this.logged(entry)
  }

  registration(): Promise<RegistrationState> {
    return this.#d.registration.state()
  }

  /** Opens/closes registration and sets or clears its window; every instance sees it at once. */
  async updateRegistration(actor: User, change: RegistrationChange): Promise<RegistrationState> {
    const values = await this.#d.registration.settingsFor(change)
    const iso = (v: number | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v).toISOString())
    const entry = this.auditEntry(actor.id, 'registration.updated', null, {
      open: change.open,
      opensAt: iso(change.opensAt),
      closesAt: iso(change.closesAt),
    })
    await this.#d.store.auditLog.setSettings(values, this.#d.clock.now(), entry)
    this.logged(entry)
    return this.#d.registration.state()
  }

  async auditLog(query: { cursor?: string; limit: number }): Promise<Page<AuditEntry>> {
    const rows = await this.#d.store.auditLog.list({
      beforeId: query.cursor && isId(query.cursor) ? query.cursor : null,
      limit: query.limit + 1,
    })
    const items = rows.slice(0, query.limit)
    return { items, nextCursor: rows.length > query.limit ? items.at(-1)!.id : null }
  }

  async #target(actor: User, targetId: string): Promise<User> {
    if (targetId === actor.id) throw new AppError('admin.self')
    const target = await this.getUser(targetId)
    if (target.state === 'deleted') throw new AppError('admin.user_deleted')
    return target
  }
}
