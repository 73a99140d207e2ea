import { resolve } from 'node:path'
import type { Config } from '../config/config.js'
import { sqliteFile } from '../store/sql/database.js'
import { backupSqlite, restoreSqlite } from './sqlite-backup.js'

const OTHER_DRIVERS =
  'jim backup/restore handle the embedded SQLite database; for mysql use `mysqldump --single-transaction`, for postgres `pg_dump -Fc` (README "Backups")'

/** `jim backup <file>`: an online, consistent copy of the SQLite database. */
export async function runBackup(config: Config, destination: string): Promise<number> {
  if (config.storage.driver !== 'sqlite') {
    console.error(`jim: ${OTHER_DRIVERS}`)
    return 1
  }
  const source = sqliteFile(config)
  const { pages } = await backupSqlite(source, resolve(destination))
  console.log(`backed up ${source} to ${resolve(destination)} (${pages} pages)`)
  if (config.files.driver === 'local') console.log(`files are not in it: copy ${resolve(config.dataDir, 'files')} too (README "Backups")`)
  return 0
}

/** `jim restore <file>`: puts a backup in place; the server must be stopped. */
export async function runRestore(config: Config, backup: string): Promise<number> {
  if (config.storage.driver !== 'sqlite') {
    console.error(`jim: ${OTHER_DRIVERS}`)
    return 1
  }
  const target = sqliteFile(config)
  const { previous } = await restoreSqlite(resolve(backup), target)
  console.log(`restored ${resolve(backup)} to ${target}`)
  if (previous) console.log(`the database it replaced is kept as ${previous}`)
  return 0
}
