import { sql, type Kysely } from 'kysely'
import type { User, UserState } from '../../domain/users/user.js'
import type { AccountStore } from '../../domain/security/account-store.js'
import type { AuditEntry } from '../../domain/admin/audit-log-store.js'
import { isUniqueViolation } from './capabilities.js'
import type { Database } from './db-schema.js'
import { insertAuditEntry } from './sql-audit-log-store.js'
import { escapeLike, toUser } from './sql-user-store.js'

/** Stored instead of a password hash for deleted accounts: no Argon2 hash ever equals it. */
const NO_PASSWORD = '!deleted'

export class SqlAccountStore implements AccountStore {
  readonly #db: Kysely<Database>
  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async setVerifiedEmail(
    userId: string,
    email: string,
    now: number,
  ): Promise<{ user: User; previousHolderId: string | null } | null | 'taken'> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        // only an unverified holder gives the address up; a verified one keeps it and the unique index refuses ours
        const holder = await trx
          .selectFrom('users')
          .select('id')
          .where('email', '=', email)
          .where('id', '<>', userId)
          .where('email_verified_at', 'is', null)
          .executeTakeFirst()
        if (holder) await trx.updateTable('users').set({ email: null, updated_at: now }).where('id', '=', holder.id).execute()
        const updated = await trx
          .updateTable('users')
          .set({ email, email_verified_at: now, updated_at: now })
          .where('id', '=', userId)
          .where('state', '<>', 'deleted')
          .executeTakeFirst()
        if (Number(updated.numUpdatedRows) === 0) return null
        const row = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
        return { user: toUser(row), previousHolderId: holder?.id ?? null }
      })
    } catch (err) {
      if (isUniqueViolation(err)) return 'taken'
      throw err
    }
  }

  async isVerifiedEmailTaken(email: string, exceptUserId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .where('email_verified_at', 'is not', null)
      .where('id', '<>', exceptUserId)
      .executeTakeFirst()
    return row !== undefined
  }

  async findActiveByVerifiedEmail(email: string): Promise<User | null> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .where('email_verified_at', 'is not', null)
      .where('state', '=', 'active')
      .executeTakeFirst()
    return row ? toUser(row) : null
  }

  async setState(userId: string, state: Exclude<UserState, 'deleted'>, now: number, audit?: AuditEntry): Promise<User | null> {
    return this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('users')
        .set({ state, updated_at: now })
        .where('id', '=', userId)
        .where('state', '<>', 'deleted')
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) return null
      if (audit) await insertAuditEntry(trx, audit)
      const row = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
      return toUser(row)
    })
  }

  async markDeleted(userId: string, now: number, audit?: AuditEntry): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('users')
        .set({
          state: 'deleted',
          nickname: '',
          nickname_lower: '',
          bio: '',
          avatar_file_id: null,
          email: null,
          email_verified_at: null,
          password_hash: NO_PASSWORD,
          status: 'invisible',
          updated_at: now,
        })
        .where('id', '=', userId)
        .where('state', '<>', 'deleted')
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) return false
      await trx.deleteFrom('email_codes').where('user_id', '=', userId).execute()
      if (audit) await insertAuditEntry(trx, audit)
      return true
    })
  }

  async list(query: { q: string | null; state: UserState | null; beforeId: string | null; limit: number }): Promise<User[]> {
    let q = this.#db.selectFrom('users').selectAll()
    if (query.state) q = q.where('state', '=', query.state)
    if (query.beforeId) q = q.where('id', '<', query.beforeId)
    const text = query.q?.trim()
    if (text) {
      const lower = text.toLowerCase()
      const like = escapeLike(lower) + '%'
      q = q.where((eb) =>
        eb.or([
          eb('id', '=', text),
          eb('email', '=', lower),
          sql<boolean>`${eb.ref('username')} like ${like} escape '!'`,
          sql<boolean>`${eb.ref('nickname_lower')} like ${like} escape '!'`,
        ]),
      )
    }
    const rows = await q.orderBy('id', 'desc').limit(query.limit).execute()
    return rows.map(toUser)
  }
}
