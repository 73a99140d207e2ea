import type { Kysely, Selectable, Transaction } from 'kysely'
import type { AuditEntry, AuditLogStore } from '../../domain/admin/audit-log-store.js'
import type { AuditLogTable, Database } from './db-schema.js'

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  let details: Record<string, unknown> = {}
  try {
    details = JSON.parse(row.details) as Record<string, unknown>
  } catch {
    details = { raw: row.details }
  }
  return {
    id: row.id,
    actorId: row.actor_id,
    action: row.action,
    targetId: row.target_id,
    details,
    createdAt: Number(row.created_at),
  }
}

/** Inserts an audit row inside the caller's transaction (used by stores that write an action and its audit together). */
export async function insertAuditEntry(trx: Kysely<Database> | Transaction<Database>, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      id: entry.id,
      actor_id: entry.actorId,
      action: entry.action.slice(0, 64),
      target_id: entry.targetId,
      details: JSON.stringify(entry.details),
      created_at: entry.createdAt,
    })
    .execute()
}

export class SqlAuditLogStore implements AuditLogStore {
  readonly #db: Kysely<Database>
  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async append(entry: AuditEntry): Promise<void> {
    await insertAuditEntry(this.#db, entry)
  }

  async list(query: { beforeId: string | null; limit: number }): Promise<AuditEntry[]> {
    let q = this.#db.selectFrom('audit_log').selectAll()
    if (query.beforeId) q = q.where('id', '<', query.beforeId)
    const rows = await q.orderBy('id', 'desc').limit(query.limit).execute()
    return rows.map(toEntry)
  }

  async setSettings(values: Record<string, string>, now: number, entry: AuditEntry): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      for (const [key, value] of Object.entries(values)) {
        // update-then-insert is portable; both run in this transaction with the audit row
        const updated = await trx.updateTable('settings').set({ value, updated_at: now }).where('key', '=', key).executeTakeFirst()
        if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('settings').values({ key, value, updated_at: now }).execute()
      }
      await insertAuditEntry(trx, entry)
    })
  }
}
