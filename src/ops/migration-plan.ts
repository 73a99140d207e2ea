import { Kysely, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from 'kysely'
import type { Config } from '../config/config.js'
import { capabilitiesFor } from '../store/sql/capabilities.js'
import { createDialect, migrationStatus, type SqlDatabase } from '../store/sql/database.js'
import { migrations } from '../store/sql/migrations/index.js'

export interface PlannedMigration {
  name: string
  /** the SQL the migration would send, in order, with parameters inlined for reading */
  statements: string[]
}

/**
 * What `jim migrate` would do, without doing it: each pending migration runs against a
 * driver that records the compiled SQL instead of sending it (the real dialect compiles it,
 * so the text is what this database would get). Migrations that read data see no rows.
 */
export async function planMigrations(config: Pick<Config, 'storage' | 'dataDir'>, database: SqlDatabase): Promise<PlannedMigration[]> {
  const { pending } = await migrationStatus(database)
  const all = migrations(capabilitiesFor(config.storage.driver))
  const plan: PlannedMigration[] = []
  for (const name of pending) {
    const statements: string[] = []
    const real = createDialect(config)
    const recorder = new Kysely<unknown>({
      dialect: {
        createAdapter: () => real.createAdapter(),
        createDriver: () => new RecordingDriver(statements),
        createIntrospector: (db) => real.createIntrospector(db),
        createQueryCompiler: () => real.createQueryCompiler(),
      },
    })
    await all[name]!.up(recorder)
    await recorder.destroy()
    plan.push({ name, statements })
  }
  return plan
}

class RecordingDriver implements Driver {
  constructor(readonly statements: string[]) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        this.statements.push(inline(query))
        return { rows: [] }
      },
      // eslint-disable-next-line require-yield
      streamQuery: async function* () {
        throw new Error('a migration plan cannot stream')
      },
    }
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/** The statement with its parameters shown after it (DDL rarely has any). */
function inline(query: CompiledQuery): string {
  return query.parameters.length ? `${query.sql} -- parameters: ${JSON.stringify(query.parameters)}` : query.sql
}
