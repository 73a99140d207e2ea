import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serviceAvailable } from './services.js'

export type Dialect = 'sqlite' | 'mysql' | 'postgres'

/** A fresh, private database for one test file, and how to remove it. */
export interface TestDatabase {
  dialect: Dialect
  /** config overrides that point JIM at it */
  overrides: Record<string, unknown>
  cleanup(): Promise<void>
}

const PORTS: Record<Exclude<Dialect, 'sqlite'>, number> = { mysql: 3306, postgres: 5432 }

/** Dialects to run contract suites on: env STORES=sqlite,postgres narrows the list. */
export function dialectsUnderTest(): Dialect[] {
  const all: Dialect[] = ['sqlite', 'mysql', 'postgres']
  const wanted = process.env.STORES?.split(',').map((s) => s.trim())
  return wanted ? all.filter((d) => wanted.includes(d)) : all
}

export async function dialectAvailable(dialect: Dialect): Promise<boolean> {
  if (dialect === 'sqlite') return true
  return serviceAvailable(dialect === 'mysql' ? 'MariaDB' : 'PostgreSQL', PORTS[dialect])
}

/** Creates a uniquely named database (JIM creates it on first open) or a temp SQLite file. */
export function createTestDatabase(dialect: Dialect): TestDatabase {
  const dataDir = mkdtempSync(join(tmpdir(), 'jim-test-'))
  const name = `jim_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
  const url =
    dialect === 'sqlite'
      ? join(dataDir, 'jim.sqlite')
      : dialect === 'mysql'
        ? `mysql://root@127.0.0.1:3306/${name}`
        : `postgres://postgres@127.0.0.1:5432/${name}`
  const overrides = { 'storage.driver': dialect, 'storage.url': url, dataDir }
  return {
    dialect,
    overrides,
    cleanup: async () => {
      const { dropDatabase } = await import('../../src/store/sql/database.js')
      if (dialect !== 'sqlite') await dropDatabase({ storage: { driver: dialect, url, poolSize: 1 } })
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
