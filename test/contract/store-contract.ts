import { afterAll, beforeAll, describe } from 'vitest'
import { ensureDatabaseExists, migrateToLatest, openDatabase, type SqlDatabase } from '../../src/store/sql/database.js'
import { createSqlStore } from '../../src/store/sql/sql-store.js'
import type { Store } from '../../src/domain/store.js'
import { createTestDatabase, dialectAvailable, dialectsUnderTest, type Dialect } from '../helpers/databases.js'

export interface StoreContext {
  dialect: Dialect
  store: Store
  database: SqlDatabase
}

/**
 * Runs one behaviour suite against the Store on every dialect (kysely's DIALECTS pattern):
 * SQLite always; MariaDB and PostgreSQL when reachable (required when CI=true).
 * Narrow with STORES=sqlite,postgres.
 */
export function describeEachStore(name: string, suite: (ctx: () => StoreContext) => void): void {
  for (const dialect of dialectsUnderTest()) {
    describe(`${dialect}: ${name}`, async () => {
      const available = await dialectAvailable(dialect)
      if (!available) return
      let ctx: StoreContext | null = null
      const testDb = createTestDatabase(dialect)
      beforeAll(async () => {
        const config = {
          storage: { driver: dialect, url: testDb.overrides['storage.url'] as string, poolSize: 5 },
          dataDir: testDb.overrides.dataDir as string,
        }
        await ensureDatabaseExists(config)
        const database = openDatabase(config)
        await migrateToLatest(database)
        ctx = { dialect, store: createSqlStore(database), database }
      })
      afterAll(async () => {
        await ctx?.store.close()
        await testDb.cleanup()
      })
      suite(() => {
        if (!ctx) throw new Error('store not ready')
        return ctx
      })
    })
  }
}
