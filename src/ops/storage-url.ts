import { resolve } from 'node:path'
import type { Config } from '../config/config.js'
import { withoutPassword } from '../shared/operator-text.js'
import type { DatabaseSettings } from '../store/sql/database.js'

/** A copy's end: no statement deadlines (a batch may take long) */
export type StorageTarget = DatabaseSettings

/**
 * A storage URL as `jim copy-data` takes it: `mysql://…` or `mariadb://…`, `postgres://…` or
 * `postgresql://…`, `sqlite:<path>` or a plain path to a SQLite file.
 */
export function parseStorageUrl(text: string, dataDir: string): StorageTarget {
  const storage = (driver: Config['storage']['driver'], url: string) => ({ storage: { driver, url, poolSize: 4 }, dataDir })
  if (/^(mysql|mariadb):\/\//.test(text)) return storage('mysql', text)
  if (/^postgres(ql)?:\/\//.test(text)) return storage('postgres', text.replace(/^postgresql:/, 'postgres:'))
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !text.startsWith('sqlite:'))
    throw new Error(`unknown storage URL ${describeStorage(text)}: use mysql://, postgres:// or sqlite:<path>`)
  const path = text.replace(/^sqlite:(\/\/)?/, '')
  if (!path) throw new Error('sqlite: needs a file path, e.g. sqlite:./data/jim.sqlite')
  return storage('sqlite', resolve(path))
}

/** The URL without its password, for messages and the progress table. */
export const describeStorage = withoutPassword
