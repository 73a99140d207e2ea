import type { Config } from './config/config.js'
import { planMigrations } from './ops/migration-plan.js'
import { ensureDatabaseExists, migrateToLatest, migrationStatus, openDatabase, unbounded, type SqlDatabase } from './store/sql/database.js'
import { createSqlStore } from './store/sql/sql-store.js'

/** `jim migrate`: applies pending migrations; with `plan`, prints them and their SQL instead. */
export async function runMigrate(config: Config, options: { plan?: boolean } = {}): Promise<number> {
  await ensureDatabaseExists(config)
  const database = openDatabase(unbounded(config))
  try {
    if (options.plan) return await printMigrationPlan(config, database)
    const applied = await migrateToLatest(database)
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
    return 0
  } finally {
    await database.db.destroy()
  }
}

async function printMigrationPlan(config: Config, database: SqlDatabase): Promise<number> {
  const status = await migrationStatus(database)
  const plan = await planMigrations(config, database)
  console.log(`applied: ${status.applied.length ? status.applied.join(', ') : 'none'}`)
  if (status.newer.length) console.log(`newer than this version (left alone): ${status.newer.join(', ')}`)
  if (!plan.length) {
    console.log('nothing to apply: the database is up to date')
    return 0
  }
  console.log(`would apply ${plan.length} migration(s), in this order (nothing was changed):`)
  for (const m of plan) {
    console.log(`\n-- ${m.name}`)
    for (const statement of m.statements) console.log(statement + ';')
  }
  return 0
}

/** `jim admin create <username>`: gives an existing account the admin role. */
export async function runAdminCreate(config: Config, username: string): Promise<number> {
  await ensureDatabaseExists(config)
  const database = openDatabase(unbounded(config))
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
