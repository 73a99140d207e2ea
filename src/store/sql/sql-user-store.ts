import { sql, type Kysely, type Selectable, type Updateable } from 'kysely'
import type { User, UserRole, UserState, UserStatus, UserWithSecret } from '../../domain/users/user.js'
import { DuplicateUserError, type NewUser, type UserPatch, type UserStore } from '../../domain/users/user-store.js'
import { isUniqueViolation } from './capabilities.js'
import type { Database, UsersTable } from './db-schema.js'

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    username: row.username,
    nickname: row.nickname,
    email: row.email,
    emailVerified: row.email_verified_at != null,
    bio: row.bio,
    avatarFileId: row.avatar_file_id,
    status: row.status as UserStatus,
    role: row.role as UserRole,
    state: row.state as UserState,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    mentionAlertMuted: Number(row.mention_alert_muted ?? 1) === 1,
  }
}

export class SqlUserStore implements UserStore {
  readonly #db: Kysely<Database>
  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async create(user: NewUser): Promise<User> {
    const row = {
      id: user.id,
      username: user.username,
      nickname: user.nickname,
      nickname_lower: user.nickname.toLowerCase(),
      password_hash: user.passwordHash,
      email: user.email,
      email_verified_at: null,
      bio: '',
      avatar_file_id: null,
      status: 'online',
      role: user.role,
      state: 'active',
      created_at: user.createdAt,
      updated_at: user.createdAt,
      mention_alert_muted: 1,
    }
    try {
      await this.#db.insertInto('users').values(row).execute()
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      const taken = await this.#db.selectFrom('users').select('id').where('username', '=', user.username).executeTakeFirst()
      throw new DuplicateUserError(taken ? 'username' : 'email', { cause: err })
    }
    return toUser(row)
  }

  async findById(id: string): Promise<User | null> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toUser(row) : null
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return []
    const rows = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute()
    return rows.map(toUser)
  }

  async findByUsernameWithSecret(username: string): Promise<UserWithSecret | null> {
    const row = await this.#db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst()
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null
  }

  async findByIdWithSecret(id: string): Promise<UserWithSecret | null> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null
  }

  async update(id: string, patch: UserPatch, now: number): Promise<User | null> {
    const values: Updateable<UsersTable> = { updated_at: now }
    if (patch.nickname !== undefined) {
      values.nickname = patch.nickname
      values.nickname_lower = patch.nickname.toLowerCase()
    }
    if (patch.bio !== undefined) values.bio = patch.bio
    if (patch.avatarFileId !== undefined) values.avatar_file_id = patch.avatarFileId
    if (patch.status !== undefined) values.status = patch.status
    if (patch.mentionAlertMuted !== undefined) values.mention_alert_muted = patch.mentionAlertMuted ? 1 : 0
    await this.#db.updateTable('users').set(values).where('id', '=', id).execute()
    return this.findById(id)
  }

  async setPasswordHash(id: string, passwordHash: string, now: number): Promise<void> {
    await this.#db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute()
  }

  async setRole(id: string, role: UserRole, now: number): Promise<void> {
    await this.#db.updateTable('users').set({ role, updated_at: now }).where('id', '=', id).execute()
  }

  async setState(id: string, state: UserState, now: number): Promise<void> {
    await this.#db.updateTable('users').set({ state, updated_at: now }).where('id', '=', id).execute()
  }

  async search(query: { prefix: string; afterId: string | null; limit: number; excludeIds: readonly string[] }): Promise<User[]> {
    const prefix = query.prefix.toLowerCase()
    const like = escapeLike(prefix) + '%'
    let q = this.#db
      .selectFrom('users')
      .selectAll()
      .where('state', '=', 'active')
      .where((eb) =>
        eb.or([
          eb('id', '=', query.prefix),
          sql<boolean>`${eb.ref('username')} like ${like} escape '!'`,
          sql<boolean>`${eb.ref('nickname_lower')} like ${like} escape '!'`,
        ]),
      )
    if (query.afterId) q = q.where('id', '>', query.afterId)
    if (query.excludeIds.length > 0) q = q.where('id', 'not in', [...query.excludeIds])
    const rows = await q.orderBy('id').limit(query.limit).execute()
    return rows.map(toUser)
  }
}

/**
 * Escapes LIKE wildcards for `LIKE ... ESCAPE '!'`. SQLite has no default escape character and
 * MySQL/PostgreSQL disagree on backslashes in literals, so '!' is the portable choice.
 */
export function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (c) => '!' + c)
}
