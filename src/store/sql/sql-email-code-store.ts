import { sql, type Kysely, type Selectable } from 'kysely'
import type { EmailCode, EmailCodePurpose, EmailCodeStore } from '../../domain/security/email-code-store.js'
import type { Database, EmailCodesTable } from './db-schema.js'

function toEmailCode(row: Selectable<EmailCodesTable>): EmailCode {
  return {
    id: row.id,
    userId: row.user_id,
    purpose: row.purpose as EmailCodePurpose,
    email: row.email,
    codeHash: row.code_hash,
    attempts: Number(row.attempts),
    expiresAt: Number(row.expires_at),
    consumedAt: row.consumed_at == null ? null : Number(row.consumed_at),
    createdAt: Number(row.created_at),
  }
}

export class SqlEmailCodeStore implements EmailCodeStore {
  readonly #db: Kysely<Database>
  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async replace(code: Omit<EmailCode, 'attempts' | 'consumedAt'>): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('email_codes').where('user_id', '=', code.userId).where('purpose', '=', code.purpose).execute()
      await trx
        .insertInto('email_codes')
        .values({
          id: code.id,
          user_id: code.userId,
          purpose: code.purpose,
          email: code.email,
          code_hash: code.codeHash,
          attempts: 0,
          expires_at: code.expiresAt,
          consumed_at: null,
          created_at: code.createdAt,
        })
        .execute()
    })
  }

  async findLive(userId: string, purpose: EmailCodePurpose, now: number): Promise<EmailCode | null> {
    const row = await this.#db
      .selectFrom('email_codes')
      .selectAll()
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('id', 'desc')
      .executeTakeFirst()
    return row ? toEmailCode(row) : null
  }

  async addFailedAttempt(id: string): Promise<number> {
    // the UPDATE holds the row lock until commit, so each caller reads back its own count
    return this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('email_codes')
        .set({ attempts: sql<number>`attempts + 1` })
        .where('id', '=', id)
        .execute()
      const row = await trx.selectFrom('email_codes').select('attempts').where('id', '=', id).executeTakeFirst()
      return Number(row?.attempts ?? Number.MAX_SAFE_INTEGER)
    })
  }

  async consume(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('email_codes')
      .set({ consumed_at: now })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async deleteExpired(before: number): Promise<number> {
    const result = await this.#db.deleteFrom('email_codes').where('expires_at', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
