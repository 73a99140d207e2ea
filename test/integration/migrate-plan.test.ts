import { sql } from 'kysely'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runMigrate } from '../../src/cli-commands.js'
import { loadConfig } from '../../src/config/load-config.js'
import { jimVersion } from '../../src/ops/jim-version.js'
import { ensureDatabaseExists, migrateToLatest, migrationStatus, openDatabase } from '../../src/store/sql/database.js'
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from '../helpers/databases.js'
import { jim } from '../helpers/jim-cli.js'
import { startTestApp } from '../helpers/test-app.js'

const ALL = [
  '0001-initial',
  '0002-account-security',
  '0003-files',
  '0004-former-member-view',
  '0005-reactions',
  '0006-pins',
  '0007-world-members',
  '0008-calls',
  '0009-message-search',
  '0010-message-features',
  '0011-notifications',
  '0012-search-index-off-send-path',
  '0013-search-captions',
  '0014-changed-messages-index',
]

async function captured(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})
  try {
    const code = await run()
    return { code, out: log.mock.calls.map((c) => c.join(' ')).join('\n') }
  } finally {
    log.mockRestore()
  }
}

describe.each(dialectsUnderTest())('jim migrate --plan and /healthz on %s', (dialect) => {
  const databases: TestDatabase[] = []
  afterAll(() => Promise.all(databases.map((d) => d.cleanup())))
  const fresh = () => {
    const d = createTestDatabase(dialect)
    databases.push(d)
    return loadConfig({ env: {}, overrides: d.overrides })
  }

  it('should list pending migrations with their SQL and apply none of them', async () => {
    const config = fresh()
    const plan = await captured(() => runMigrate(config, { plan: true }))
    expect(plan.code).toBe(0)
    expect(plan.out).toContain(`would apply ${ALL.length} migration(s)`)
    for (const name of ALL) expect(plan.out).toContain(`-- ${name}`)
    expect(plan.out).toMatch(/create table "?`?messages/i)
    const database = openDatabase(config)
    try {
      expect((await migrationStatus(database)).pending).toEqual(ALL)
      expect((await database.db.introspection.getTables()).map((t) => t.name)).not.toContain('messages')
      await migrateToLatest(database)
      const after = await captured(() => runMigrate(config, { plan: true }))
      expect(after.out).toContain('nothing to apply')
    } finally {
      await database.db.destroy()
    }
  })

  it('should index only changed messages (mod_seq > 0) for resume where the database has partial indexes', async () => {
    const config = fresh()
    await ensureDatabaseExists(config)
    const database = openDatabase(config)
    try {
      await migrateToLatest(database)
      const definition =
        dialect === 'sqlite'
          ? await sql<{ d: string }>`SELECT sql AS d FROM sqlite_master WHERE name = 'messages_mod_seq'`.execute(database.db)
          : dialect === 'postgres'
            ? await sql<{ d: string }>`SELECT indexdef AS d FROM pg_indexes WHERE indexname = 'messages_mod_seq'`.execute(database.db)
            : await sql<{ d: string }>`SELECT GROUP_CONCAT(column_name) AS d FROM information_schema.statistics
                WHERE table_schema = DATABASE() AND index_name = 'messages_mod_seq'`.execute(database.db)
      const d = String(definition.rows[0]?.d ?? '')
      expect(d).toMatch(dialect === 'mysql' ? /conversation_id.*mod_seq/ : /WHERE \(?mod_seq > 0\)?/i)
    } finally {
      await database.db.destroy()
    }
  })

  it('should start on a database a newer version migrated further, and say so in the plan and /healthz', async () => {
    const config = fresh()
    await ensureDatabaseExists(config)
    const database = openDatabase(config)
    try {
      await migrateToLatest(database)
      // what the next version's expand migration leaves behind
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-next', '2026-01-01T00:00:00.000Z')`.execute(database.db)
      expect(await migrateToLatest(database)).toEqual([])
      const plan = await captured(() => runMigrate(config, { plan: true }))
      expect(plan.out).toContain('newer than this version (left alone): 9999-next')
    } finally {
      await database.db.destroy()
    }
    const t = await startTestApp({ database: databases.at(-1)! })
    try {
      const health = await (await fetch(`${t.url}/healthz`)).json()
      expect(health).toEqual({ status: 'ok', version: jimVersion(), schemaVersion: ALL.at(-1), databaseSchemaVersion: '9999-next' })
    } finally {
      await t.app.close()
    }
  })
})

describe('jim migrate --plan (CLI)', () => {
  it('should take --plan as its own flag and leave the database unmigrated', { timeout: 120_000 }, async () => {
    const d = createTestDatabase('sqlite')
    try {
      const env = { JIM_DATA_DIR: d.overrides.dataDir as string }
      const plan = await jim(['migrate', '--plan'], env)
      expect(plan.stderr).toBe('')
      expect(plan.stdout).toContain('applied: none')
      expect(plan.stdout).toContain(`would apply ${ALL.length} migration(s)`)
      const again = await jim(['migrate', '--plan', '--log-level', 'warn'], env)
      expect(again.stdout).toContain(`would apply ${ALL.length} migration(s)`)
    } finally {
      await d.cleanup()
    }
  })
})
