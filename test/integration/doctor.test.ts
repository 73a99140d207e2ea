import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import { diagnose, runDoctor } from '../../src/ops/doctor.js'
import type { Finding } from '../../src/ops/doctor-checks.js'
import { ensureDatabaseExists, migrateToLatest, openDatabase } from '../../src/store/sql/database.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { deleteRedisKeys, SHARED_REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.js'

const of = (findings: Finding[], check: string) => findings.filter((f) => f.check === check)
const failed = (findings: Finding[]) => findings.filter((f) => f.status === 'fail').map((f) => f.check)

describe('jim doctor', () => {
  let db: TestDatabase
  const prefix = uniqueRedisPrefix()
  const databases: TestDatabase[] = []
  const configFor = (overrides: Record<string, unknown> = {}, database = db) =>
    loadConfig({ env: {}, overrides: { ...database.overrides, secret: 'a-long-enough-test-secret-0123456789', ...overrides } })
  const cluster = {
    'broker.driver': 'redis',
    'redis.url': SHARED_REDIS_URL,
    'redis.prefix': prefix,
    'files.driver': 'sql',
    publicUrl: 'https://chat.example.com',
  }

  beforeAll(async () => {
    db = createTestDatabase('postgres')
    databases.push(db)
    const config = configFor()
    await ensureDatabaseExists(config)
    const database = openDatabase(config)
    await migrateToLatest(database)
    await database.db.destroy()
  })
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.cleanup()))
    await deleteRedisKeys(prefix)
  })

  it('should find nothing to fix on a healthy cluster setup, and exit 0', async () => {
    const findings = await diagnose(configFor(cluster))
    expect(failed(findings)).toEqual([])
    expect(findings.map((f) => f.check)).toEqual(['config', 'database', 'clock', 'redis', 'secret', 'files', 'publicUrl'])
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    expect(await runDoctor(configFor(cluster))).toBe(0)
    expect(log.mock.calls.flat().join('\n')).toContain('no problems found')
    log.mockRestore()
  })

  it('should report an unreachable database and one that is not migrated', async () => {
    const down = await diagnose(configFor({ 'storage.url': 'postgres://postgres@127.0.0.1:1/nothing' }))
    expect(of(down, 'database')[0]).toMatchObject({ status: 'fail', fix: expect.stringContaining('JIM_STORAGE_URL') })
    const fresh = createTestDatabase('sqlite')
    databases.push(fresh)
    const unmigrated = await diagnose(configFor({}, fresh))
    expect(of(unmigrated, 'database')[0]).toMatchObject({ status: 'fail', detail: expect.stringContaining('0001-initial') })
    expect(of(unmigrated, 'database')[0]!.fix).toContain('jim migrate')
  })

  it("should report this machine's clock far from the database's", async () => {
    const late = { now: () => Date.now() - 60_000 }
    const findings = await diagnose(configFor(), { clock: late })
    expect(of(findings, 'clock')[0]).toMatchObject({ status: 'fail', detail: expect.stringMatching(/is \d{5} ms behind the database's/) })
    expect(of(await diagnose(configFor()), 'clock')[0]!.status).toBe('ok')
  })

  it('should report Redis that does not answer', async () => {
    const findings = await diagnose(configFor({ ...cluster, 'redis.url': 'redis://127.0.0.1:1' }))
    expect(of(findings, 'redis')[0]).toMatchObject({ status: 'fail', fix: expect.stringContaining('JIM_REDIS_URL') })
  })

  it('should report an instance whose secret differs from the others, and a short secret', async () => {
    expect(of(await diagnose(configFor(cluster)), 'secret')[0]!.status).toBe('ok')
    const other = await diagnose(configFor({ ...cluster, secret: 'another-secret-of-another-instance' }))
    expect(of(other, 'secret')[0]).toMatchObject({ status: 'fail', detail: expect.stringContaining('differs') })
    const short = await diagnose(configFor({ secret: 'short' }))
    expect(of(short, 'secret')[0]).toMatchObject({ status: 'fail', detail: 'only 5 characters' })
  })

  it('should report a files dir that cannot be written and one short of space', async () => {
    const notADir = join(db.overrides.dataDir as string, 'plain-file')
    writeFileSync(notADir, 'x')
    const unwritable = await diagnose(configFor({ 'files.driver': 'local', dataDir: notADir }))
    expect(of(unwritable, 'files')[0]).toMatchObject({ status: 'fail', detail: expect.stringContaining('cannot write') })
    const full = await diagnose(configFor({ 'files.driver': 'local' }), { minFreeBytes: Number.MAX_SAFE_INTEGER })
    expect(of(full, 'files')[0]).toMatchObject({ status: 'fail', detail: expect.stringContaining('GiB free') })
  })

  it('should report a cluster whose public URL is localhost, and exit 1', async () => {
    const config = configFor({ ...cluster, publicUrl: 'http://localhost:8080' })
    expect(of(await diagnose(config), 'publicUrl')[0]).toMatchObject({ status: 'fail', fix: expect.stringContaining('JIM_PUBLIC_URL') })
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    expect(await runDoctor(config)).toBe(1)
    expect(log.mock.calls.flat().join('\n')).toMatch(/FAIL publicUrl[\s\S]*fix: set JIM_PUBLIC_URL/)
    log.mockRestore()
  })
})
