import { sql, type Kysely } from 'kysely'
import type { SqlDatabase } from '../store/sql/database.js'
import type { Database } from '../store/sql/db-schema.js'

/** The target's record of a copy under way: per table, the last key copied and whether it is done. */
export const PROGRESS_TABLE = 'jim_copy_progress'

export interface TableProgress {
  source: string
  lastKey: unknown[] | null
  copied: number
  done: boolean
}

type ProgressDb = Kysely<{
  jim_copy_progress: { table_name: string; source: string; last_key: string | null; copied: number; done: number }
}>

const progressDb = (db: Kysely<Database>) => db as unknown as ProgressDb

/** The progress of an unfinished copy into this target, or null when none was started. */
export async function readProgress(target: SqlDatabase): Promise<Map<string, TableProgress> | null> {
  const tables = await target.db.introspection.getTables()
  if (!tables.some((t) => t.name === PROGRESS_TABLE)) return null
  const rows = await progressDb(target.db).selectFrom(PROGRESS_TABLE).selectAll().execute()
  return new Map(
    rows.map((r) => [
      r.table_name,
      { source: r.source, lastKey: r.last_key ? (JSON.parse(r.last_key) as unknown[]) : null, copied: Number(r.copied), done: !!r.done },
    ]),
  )
}

/** Starts a progress record for a new copy (one row per table). */
export async function startProgress(target: SqlDatabase, source: string, tables: readonly string[]): Promise<void> {
  await target.db.schema
    .createTable(PROGRESS_TABLE)
    .$call(target.caps.tableOptions)
    .addColumn('table_name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('source', 'varchar(255)', (c) => c.notNull())
    .addColumn('last_key', 'varchar(1024)')
    .addColumn('copied', 'bigint', (c) => c.notNull())
    .addColumn('done', 'integer', (c) => c.notNull())
    .execute()
  await progressDb(target.db)
    .insertInto(PROGRESS_TABLE)
    .values(tables.map((table_name) => ({ table_name, source, last_key: null, copied: 0, done: 0 })))
    .execute()
}

/** Records a committed batch; run inside the batch's transaction so the two never disagree. */
export async function recordBatch(trx: Kysely<Database>, table: string, lastKey: unknown[], rows: number, done: boolean): Promise<void> {
  await progressDb(trx)
    .updateTable(PROGRESS_TABLE)
    .set({ last_key: JSON.stringify(lastKey), copied: sql`copied + ${rows}`, done: done ? 1 : 0 })
    .where('table_name', '=', table)
    .execute()
}

export async function markDone(target: SqlDatabase, table: string): Promise<void> {
  await progressDb(target.db).updateTable(PROGRESS_TABLE).set({ done: 1 }).where('table_name', '=', table).execute()
}

export async function dropProgress(target: SqlDatabase): Promise<void> {
  await target.db.schema.dropTable(PROGRESS_TABLE).ifExists().execute()
}
