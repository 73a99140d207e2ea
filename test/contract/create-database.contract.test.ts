import { describe, expect, it } from 'vitest'
import { dropDatabase, ensureDatabaseExists } from '../../src/store/sql/database.js'
import { dialectAvailable, dialectsUnderTest } from '../helpers/databases.js'

const serverDialects = dialectsUnderTest().filter((d) => d !== 'sqlite')

// SQLite has no database to create; with STORES=sqlite nothing runs here (skipped, not an empty file)
describe.skipIf(serverDialects.length === 0)('creating a server database', () => {
  for (const dialect of serverDialects) {
    it(`should let several instances create the same new ${dialect} database at once`, async () => {
      if (!(await dialectAvailable(dialect))) return
      const name = `jim_t_race_${Date.now().toString(36)}`
      const url = dialect === 'mysql' ? `mysql://root@127.0.0.1:3306/${name}` : `postgres://postgres@127.0.0.1:5432/${name}`
      const config = { storage: { driver: dialect, url, poolSize: 1 } }
      try {
        const results = await Promise.allSettled(Array.from({ length: 4 }, () => ensureDatabaseExists(config)))
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
      } finally {
        await dropDatabase(config)
      }
    })
  }
})
