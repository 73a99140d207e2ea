import type { Kysely, Selectable } from 'kysely'
import type { Session } from '../../domain/auth/session.js'
import type { SessionStore } from '../../domain/auth/session-store.js'
import type { Database, SessionsTable } from './db-schema.js'

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at == null ? null : Number(row.revoked_at),
    lastSeenAt: Number(row.last_seen_at),
    userAgent: row.user_agent,
    ip: row.ip,
  }
}

export class SqlSessionStore implements SessionStore {
  readonly #db: Kysely<Database>
  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async create(s: Session & { tokenSha256: string }): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({
        id: s.id,
        token_sha256: s.tokenSha256,
        user_id: s.userId,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        revoked_at: null,
        last_seen_at: s.lastSeenAt,
        user_agent: s.userAgent.slice(0, 255),
        ip: s.ip.slice(0, 64),
      })
      .execute()
  }

  async findActiveByTokenHash(tokenSha256: string, now: number): Promise<Session | null> {
    const row = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('token_sha256', '=', tokenSha256)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return row ? toSession(row) : null
  }

  async findById(id: string): Promise<Session | null> {
    const row = await this.#db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toSession(row) : null
  }

  async listActive(userId: string, now: number): Promise<Session[]> {
    const rows = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('id', 'desc')
      .limit(200)
      .execute()
    return rows.map(toSession)
  }

  async touch(id: string, now: number, userAgent?: string): Promise<void> {
    const values: Partial<SessionsTable> = { last_seen_at: now }
    if (userAgent !== undefined) values.user_agent = userAgent.slice(0, 255)
    await this.#db.updateTable('sessions').set(values).where('id', '=', id).execute()
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async revokeAllForUser(userId: string, now: number, exceptId?: string): Promise<string[]> {
    let q = this.#db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null)
    if (exceptId) q = q.where('id', '<>', exceptId)
    const ids = (await q.execute()).map((r) => r.id)
    if (ids.length > 0) {
      await this.#db.updateTable('sessions').set({ revoked_at: now }).where('id', 'in', ids).where('revoked_at', 'is', null).execute()
    }
    return ids
  }
}
