import { existsSync, renameSync, rmSync } from 'node:fs'
import SQLite from 'better-sqlite3'
import { DEFAULT_MIGRATION_TABLE } from 'kysely'
import { acquireSqliteLock } from '../store/sql/sqlite-lock.js'

/**
 * A consistent copy of a SQLite database while a server writes to it, through SQLite's
 * online backup API. The copy goes to a temporary name and is checked before it takes the
 * destination's name, so a failed backup never leaves a file that looks like a good one.
 */
export async function backupSqlite(source: string, destination: string): Promise<{ pages: number }> {
  if (!existsSync(source)) throw new Error(`no database at ${source}: check JIM_DATA_DIR / JIM_STORAGE_URL`)
  if (existsSync(destination)) throw new Error(`${destination} already exists: choose a new file name`)
  const tmp = `${destination}.partial`
  rmSync(tmp, { force: true })
  const db = new SQLite(source, { fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    // after the first step, copy every remaining page in one step: a writer between steps
    // restarts the backup, and under a steady send load small steps might never finish
    const { totalPages } = await db.backup(tmp, { progress: ({ totalPages: total }) => total })
    checkJimDatabase(tmp)
    renameSync(tmp, destination)
    return { pages: totalPages }
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  } finally {
    db.close()
  }
}

/**
 * Puts a backup in place of the database file. Refuses while a server holds the file (its
 * lock file), and holds the lock itself meanwhile so no server starts half way. The current
 * file (with its -wal and -shm) is kept beside it, renamed, so a wrong restore loses nothing.
 */
export async function restoreSqlite(backup: string, dbFile: string): Promise<{ previous: string | null }> {
  if (!existsSync(backup)) throw new Error(`no backup at ${backup}`)
  checkJimDatabase(backup)
  let release: () => void
  try {
    release = acquireSqliteLock(dbFile)
  } catch (err) {
    throw new Error(`cannot restore while a JIM server uses ${dbFile}: stop it first (${(err as Error).message})`)
  }
  try {
    let previous: string | null = null
    if (existsSync(dbFile)) {
      previous = `${dbFile}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(dbFile + suffix)) renameSync(dbFile + suffix, previous + suffix)
    }
    const tmp = `${dbFile}.restoring`
    rmSync(tmp, { force: true })
    const source = new SQLite(backup, { readonly: true, fileMustExist: true })
    try {
      await source.backup(tmp, { progress: ({ totalPages }) => totalPages })
    } finally {
      source.close()
    }
    renameSync(tmp, dbFile)
    return { previous }
  } finally {
    release()
  }
}

/** Throws unless the file is an intact SQLite database that JIM has migrated. */
function checkJimDatabase(file: string): void {
  let db: SQLite.Database
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true })
  } catch (err) {
    throw new Error(`${file} is not a SQLite database (${(err as Error).message})`)
  }
  try {
    const check = db.pragma('quick_check', { simple: true })
    if (check !== 'ok') throw new Error(`${file} is damaged: ${String(check)}`)
    const migrated = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(DEFAULT_MIGRATION_TABLE)
    if (!migrated) throw new Error(`${file} is not a JIM database (no ${DEFAULT_MIGRATION_TABLE} table)`)
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new Error(`${file} is not a SQLite database`)
    throw err
  } finally {
    db.close()
  }
}
