import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyData } from '../../src/ops/copy-data.js'
import { COPIED_TABLES, isDerivedTable } from '../../src/ops/copy-tables.js'
import { parseStorageUrl } from '../../src/ops/storage-url.js'
import { openDatabase } from '../../src/store/sql/database.js'
import { ApiClient, type TestUser } from '../helpers/api-client.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { jim } from '../helpers/jim-cli.js'
import { apiAnswers, populateInstallation } from '../helpers/populate.js'
import { sendText } from '../helpers/social.js'
import { startTestApp } from '../helpers/test-app.js'

// signed file URLs and captchas must verify on every copy: one secret for all of them
const SECRET = 'copy-data-test-secret-0123456789abcdef'
const target = (d: TestDatabase) => ({
  storage: { driver: d.dialect, url: d.overrides['storage.url'] as string, poolSize: 2 },
  dataDir: d.overrides.dataDir as string,
})

describe('jim copy-data', { timeout: 240_000 }, () => {
  const databases: TestDatabase[] = []
  const fresh = (dialect: TestDatabase['dialect']) => {
    const d = createTestDatabase(dialect)
    databases.push(d)
    return d
  }
  let source: TestDatabase
  let users: TestUser[]
  let before: Record<string, unknown>

  beforeAll(async () => {
    source = fresh('sqlite')
    const t = await startTestApp({ database: source, overrides: { 'files.driver': 'sql', secret: SECRET } })
    try {
      users = await populateInstallation(t.url)
      before = await apiAnswers(t.url, users)
    } finally {
      await t.app.close()
    }
  }, 240_000)
  afterAll(() => Promise.all(databases.map((d) => d.cleanup())))

  it('should copy every table the schema has', async () => {
    const database = openDatabase(target(source))
    try {
      const tables = (await database.db.introspection.getTables())
        .map((t) => t.name)
        .filter((name) => !isDerivedTable(name))
        .sort()
      expect(COPIED_TABLES.map((t) => t.name).sort()).toEqual(tables)
    } finally {
      await database.db.destroy()
    }
  })

  it('should go SQLite -> PostgreSQL -> MariaDB -> SQLite and give every user the same API answers', async () => {
    const pg = fresh('postgres')
    const my = fresh('mysql')
    const back = fresh('sqlite')
    for (const [from, to] of [
      [source, pg],
      [pg, my],
    ] as const) {
      const result = await copyData({ from: target(from), to: target(to), withSessions: true, batchSize: 3 })
      expect(result.problems).toEqual([])
      expect(result.rows.messages).toBeGreaterThan(10)
    }
    // the last leg through the command line, as an operator runs it
    const cli = await jim(
      ['copy-data', '--from', my.overrides['storage.url'] as string, '--to', `sqlite:${back.overrides['storage.url']}`, '--with-sessions'],
      {
        JIM_DATA_DIR: back.overrides.dataDir as string,
      },
    )
    expect(cli.stderr).toBe('')
    expect(cli.code).toBe(0)
    expect(cli.stdout).toContain('verified')

    const t = await startTestApp({ database: back, overrides: { 'files.driver': 'sql', secret: SECRET } })
    try {
      expect(await apiAnswers(t.url, users)).toEqual(before)
      // counters came along: the next message takes the next seq
      const [a] = users
      const world = (await new ApiClient(t.url, a!.token).get('/conversations/world')).body
      const next = await sendText({ ...a!, api: new ApiClient(t.url, a!.token) }, world.id, 'after the move')
      expect(next.seq).toBe(world.lastSeq + 1)
    } finally {
      await t.app.close()
    }
  })

  it('should resume an interrupted copy after its last batch, then refuse a non-empty target unless forced', async () => {
    const to = fresh('postgres')
    const full = await copyData({ from: target(source), to: target(fresh('mysql')), batchSize: 2 })
    let batches = 0
    const interrupted = copyData({
      from: target(source),
      to: target(to),
      batchSize: 2,
      afterBatch: () => {
        if (++batches === 6) throw new Error('power cut')
      },
    })
    await expect(interrupted).rejects.toThrow('power cut')

    let resumedBatches = 0
    const resumed = await copyData({ from: target(source), to: target(to), batchSize: 2, afterBatch: () => resumedBatches++ })
    expect(resumed.resumed).toBe(true)
    expect(resumed.problems).toEqual([])
    expect(resumed.rows).toEqual(full.rows)
    // it went on after the 6 committed batches instead of starting over
    let fullBatches = 0
    await copyData({ from: target(source), to: target(fresh('sqlite')), batchSize: 2, afterBatch: () => fullBatches++ })
    expect(resumedBatches).toBe(fullBatches - 6)
    expect(full.rows.sessions).toBeUndefined()

    await expect(copyData({ from: target(source), to: target(to) })).rejects.toThrow(/target is not empty \(users/)
    const forced = await copyData({ from: target(source), to: target(to), force: true, withSessions: true })
    expect(forced.problems).toEqual([])
    expect(forced.rows.sessions).toBeGreaterThan(0)
  })

  it('should move local uploads into the sql file store of the target in the same run', async () => {
    const local = fresh('sqlite')
    const t = await startTestApp({ database: local, overrides: { 'files.driver': 'local', secret: SECRET } })
    let owners: TestUser[]
    let answers: Record<string, unknown>
    try {
      owners = await populateInstallation(t.url)
      answers = await apiAnswers(t.url, owners)
    } finally {
      await t.app.close()
    }
    const moved = fresh('postgres')
    const filesDir = join(local.overrides.dataDir as string, 'files')
    const result = await copyData({ from: target(local), to: target(moved), withSessions: true, filesFrom: filesDir })
    expect(result.files).toEqual({ copied: 2, skipped: 0 }) // the image and its thumbnail
    const again = await startTestApp({
      database: moved,
      overrides: { 'files.driver': 'sql', secret: SECRET, dataDir: mkdtempSync(join(tmpdir(), 'jim-empty-')) },
    })
    try {
      expect(await apiAnswers(again.url, owners)).toEqual(answers)
    } finally {
      await again.app.close()
    }
  })

  it('should refuse the same database, unknown URLs and a source that is not migrated', async () => {
    const s = target(source)
    await expect(copyData({ from: s, to: s })).rejects.toThrow('the same database')
    expect(() => parseStorageUrl('oracle://db/x', '.')).toThrow('unknown storage URL')
    const empty = fresh('sqlite')
    await expect(copyData({ from: target(empty), to: target(fresh('sqlite')) })).rejects.toThrow('run `jim migrate` on it first')
  })
})
