import { sql } from 'kysely'
import type { Store } from '../store.js'
import type { SqlDatabase } from './database.js'
import { SqlSessionStore } from './sql-session-store.js'
import { SqlSettingsStore } from './sql-settings-store.js'
import { SqlUserStore } from './sql-user-store.js'

/** The one Store implementation, over any of the three dialects. */
export function createSqlStore(database: SqlDatabase): Store {
  const { db } = database
  return {
    users: new SqlUserStore(db),
    sessions: new SqlSessionStore(db),
    settings: new SqlSettingsStore(db),
    ping: async () => {
      await sql`SELECT 1`.execute(db)
    },
    close: () => db.destroy(),
  }
}
