import { sql, type ExpressionBuilder } from 'kysely'
import { ensureDatabaseExists, migrateToLatest, migrationStatus, openDatabase, type SqlDatabase } from '../store/sql/database.js'
import { acquireSqliteLock } from '../store/sql/sqlite-lock.js'
import { copyLocalFiles } from './copy-files.js'
import { dropProgress, markDone, readProgress, recordBatch, startProgress, type TableProgress } from './copy-progress.js'
import { COPIED_TABLES, type CopiedTable, type UntypedTables, untyped } from './copy-tables.js'
import { verifyCopy } from './copy-verify.js'
import { describeStorage, type StorageTarget } from './storage-url.js'

export interface CopyDataOptions {
  from: StorageTarget
  to: StorageTarget
  /** empty a non-empty target (or restart an unfinished copy from another source) instead of refusing */
  force?: boolean
  /** copy login sessions too (users stay logged in); otherwise everyone logs in again */
  withSessions?: boolean
  /** a `local` file store directory whose files go into the target's `sql` file store */
  filesFrom?: string
  /** rows per batch (tables with large rows use fewer) */
  batchSize?: number
  log?: (line: string) => void
  /** called after each committed batch; an exception stops the copy there (tests interrupt with it) */
  afterBatch?: (table: string) => void
}

export interface CopyDataResult {
  resumed: boolean
  rows: Record<string, number>
  files: { copied: number; skipped: number } | null
  /** differences found by the final check; empty when the copy is faithful */
  problems: string[]
}

/**
 * Copies a whole installation between databases (any of SQLite, MariaDB/MySQL, PostgreSQL in
 * any direction): every table in dependency order, in batches by primary key, keeping ids,
 * seqs, counters and read marks as they are. Each batch and its progress row commit together
 * in the target, so an interrupted copy resumes after the last batch. Ends by comparing
 * counts and every conversation's counters. The servers on the source should be stopped.
 */
export async function copyData(options: CopyDataOptions): Promise<CopyDataResult> {
  const log = options.log ?? (() => {})
  const fromName = describeStorage(options.from.storage.url)
  if (options.from.storage.driver === options.to.storage.driver && options.from.storage.url === options.to.storage.url)
    throw new Error('--from and --to are the same database')
  const releases = [options.from, options.to].filter((s) => s.storage.driver === 'sqlite').map((s) => lockSqlite(s.storage.url))
  const source = openDatabase(options.from)
  let target: SqlDatabase | null = null
  try {
    const status = await migrationStatus(source)
    if (status.newer.length) throw new Error(`the source was migrated by a newer JIM (${status.newer.join(', ')}): copy with that version`)
    if (status.pending.length)
      throw new Error(
        `the source lacks migrations ${status.pending.join(', ')}: run \`jim migrate\` on it first (with its own JIM version)`,
      )
    await ensureDatabaseExists(options.to)
    target = openDatabase(options.to)
    await migrateToLatest(target)
    const tables = COPIED_TABLES.filter((t) => options.withSessions || !t.sessions)
    let progress = await readProgress(target)
    const resumed = progress !== null && !options.force
    if (progress && !options.force) {
      const other = [...progress.values()].find((p) => p.source !== fromName)
      if (other)
        throw new Error(`the target holds an unfinished copy from ${other.source}: pass that --from to resume, or --force to start over`)
      if (tables.some((t) => !progress!.has(t.name)) || progress.size !== tables.length)
        throw new Error('the unfinished copy was started with a different --with-sessions choice: resume with the same flags, or --force')
      log(`resuming an unfinished copy from ${fromName}`)
    } else {
      const filled = await nonEmptyTables(target, tables)
      if (filled.length && !options.force)
        throw new Error(`the target is not empty (${filled.join(', ')}): pass --force to empty it first, or choose an empty database`)
      await dropProgress(target)
      for (const t of [...COPIED_TABLES].reverse()) await target.db.deleteFrom(t.name).execute()
      await startProgress(
        target,
        fromName,
        tables.map((t) => t.name),
      )
      progress = await readProgress(target)
    }
    const rows: Record<string, number> = {}
    for (const table of tables) {
      rows[table.name] = await copyTable(source, target, table, progress!.get(table.name)!, options)
      log(`${table.name}: ${rows[table.name]} rows`)
    }
    let files: CopyDataResult['files'] = null
    if (options.filesFrom) {
      files = await copyLocalFiles(options.filesFrom, target)
      log(`files from ${options.filesFrom}: ${files.copied} copied, ${files.skipped} already there`)
    }
    const problems = await verifyCopy(source, target, tables)
    if (!problems.length) await dropProgress(target)
    return { resumed, rows, files, problems }
  } finally {
    await source.db.destroy()
    await target?.db.destroy()
    for (const release of releases) release()
  }
}

/** Copies one table's remaining rows; returns how many rows the target has copied of it in all. */
async function copyTable(
  source: SqlDatabase,
  target: SqlDatabase,
  table: CopiedTable,
  progress: TableProgress,
  options: CopyDataOptions,
): Promise<number> {
  if (progress.done) return progress.copied
  const from = untyped(source.db)
  const batch = Math.min(table.batch ?? Infinity, options.batchSize ?? 500)
  let lastKey = progress.lastKey
  let copied = progress.copied
  for (;;) {
    let query = from.selectFrom(table.name).selectAll()
    if (lastKey) query = query.where((eb) => after(eb, table.key, lastKey!))
    for (const column of table.key) query = query.orderBy(column)
    const rows = await query.limit(batch).execute()
    if (!rows.length) {
      await markDone(target, table.name)
      return copied
    }
    const key = table.key.map((k) => rows[rows.length - 1][k])
    await target.db.transaction().execute(async (trx) => {
      await untyped(trx).insertInto(table.name).values(rows).execute()
      await recordBatch(trx, table.name, key, rows.length, rows.length < batch)
    })
    lastKey = key
    copied += rows.length
    options.afterBatch?.(table.name)
    if (rows.length < batch) return copied
  }
}

/** Rows whose key comes after `last` in key order: (k1 > v1) OR (k1 = v1 AND k2 > v2) OR … */
function after(eb: ExpressionBuilder<UntypedTables, string>, key: readonly string[], last: readonly unknown[]) {
  return eb.or(
    key.map((column, i) => eb.and([...key.slice(0, i).map((earlier, j) => eb(earlier, '=', last[j])), eb(column, '>', last[i])])),
  )
}

async function nonEmptyTables(target: SqlDatabase, tables: readonly CopiedTable[]): Promise<string[]> {
  const filled: string[] = []
  for (const { name } of tables) {
    const row = await untyped(target.db)
      .selectFrom(name)
      .select(sql`1`.as('one'))
      .limit(1)
      .executeTakeFirst()
    if (row) filled.push(name)
  }
  return filled
}

function lockSqlite(file: string): () => void {
  try {
    return acquireSqliteLock(file)
  } catch (err) {
    throw new Error(`stop the JIM server first: ${(err as Error).message}`)
  }
}
