import { join } from 'node:path'
import type { Config } from '../config/config.js'
import type { FileStore } from '../domain/files/file-store.js'
import { isConnectionError } from '../shared/connection-errors.js'
import { oneLine, withoutPassword } from '../shared/operator-text.js'
import { LocalFileStore } from '../store/local/local-file-store.js'
import { ensureDatabaseExists, migrateToLatest, openDatabase, unbounded, type SqlDatabase } from '../store/sql/database.js'
import { SqlFileStore } from '../store/sql/sql-file-store.js'

/**
 * Creates the database if needed and applies pending migrations on connections of their own
 * without statement deadlines (a backfill may take longer than any request should).
 */
export async function migrateOnStart(config: Config, serving: SqlDatabase): Promise<void> {
  try {
    await ensureDatabaseExists(config)
  } catch (err) {
    if (!isConnectionError(err)) throw err
    const { driver, url } = config.storage
    throw new Error(`JIM_STORAGE_URL: cannot reach the ${driver} database at ${withoutPassword(url)}: ${oneLine(err)}`, { cause: err })
  }
  // SQLite bounds lock waits only, not statements; and a `:memory:` database lives in its one connection
  if (serving.caps.dialect === 'sqlite') {
    await migrateToLatest(serving)
    return
  }
  const migrating = openDatabase(unbounded(config))
  try {
    await migrateToLatest(migrating)
  } finally {
    await migrating.db.destroy()
  }
}

/** Where upload bytes live: `local` under `<dataDir>/files`, or `sql` in the database (cluster-safe). */
export function createFileStore(config: Config, database: SqlDatabase): FileStore {
  switch (config.files.driver) {
    case 'local':
      return new LocalFileStore(join(config.dataDir, 'files'))
    case 'sql':
      return new SqlFileStore(database.db)
  }
}
