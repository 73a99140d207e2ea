import type { Config } from './config/config.js'
import { ensureDatabaseExists, migrateToLatest, openDatabase } from './store/sql/database.js'
import { createSqlStore } from './store/sql/sql-store.js'

/** `jim migrate`: applies pending migrations. */
export async function runMigrate(config: Config): Promise<number> {
  await ensureDatabaseExists(config)
  const database = openDatabase(config)
  try {
    const applied = await migrateToLatest(database)
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
    return 0
  } finally {
    await database.db.destroy()
  }
}

/** `jim admin create <username>`: gives an existing account the admin role. */
export async function runAdminCreate(config: Config, username: string): Promise<number> {
  await ensureDatabaseExists(config)
  const database = openDatabase(config)
  try {
    await migrateToLatest(database)
    const store = createSqlStore(database)
    const user = await store.users.findByUsernameWithSecret(username.toLowerCase())
    if (!user || user.state === 'deleted') {
      console.error(`jim: no user "${username}"; register it first, then run this again`)
      return 1
    }
    await store.users.setRole(user.id, 'admin', Date.now())
    console.log(`${user.username} (${user.id}) is now an admin`)
    return 0
  } finally {
    await database.db.destroy()
  }
}
