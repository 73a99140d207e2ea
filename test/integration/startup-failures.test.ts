import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, dialectAvailable, dialectsUnderTest } from '../helpers/databases.js'
import { FaultProxy } from '../helpers/fault-proxy.js'
import { jim, type CliResult } from '../helpers/jim-cli.js'
import { freePort, redisAvailable } from '../helpers/redis.js'

/** A `jim serve` that has not ended by then hangs: the test fails instead of waiting forever. */
const HUNG_AFTER_MS = 60_000
const DB_PORT = { mysql: 3306, postgres: 5432 } as const

const serve = (env: Record<string, string>) =>
  jim(
    ['serve'],
    { JIM_PORT: '0', JIM_HOST: '127.0.0.1', JIM_DATA_DIR: mkdtempSync(join(tmpdir(), 'jim-start-')), ...env },
    { killAfterMs: HUNG_AFTER_MS },
  )

/** A cluster-shaped configuration (redis broker, sql files) around the given URLs. */
const clusterEnv = (driver: 'mysql' | 'postgres', storageUrl: string, redisUrl: string) => ({
  JIM_STORAGE_DRIVER: driver,
  JIM_STORAGE_URL: storageUrl,
  JIM_BROKER_DRIVER: 'redis',
  JIM_FILES_DRIVER: 'sql',
  JIM_REDIS_URL: redisUrl,
  JIM_STORAGE_CONNECT_TIMEOUT_MS: '1000',
})

/** The process ended (not killed) with code 1 and said why in one `jim:` line naming `key`. */
function expectRefusedStart(res: CliResult, key: string, why: RegExp): void {
  expect(res.code, res.stderr).toBe(1)
  const lines = res.stderr.split('\n').filter((l) => l.startsWith('jim:'))
  expect(lines, res.stderr).toHaveLength(1)
  expect(lines[0]).toContain(key)
  expect(lines[0]).toMatch(why)
}

// each case starts the CLI as its own process, slow to start on a busy machine
describe('jim serve with settings it cannot use', { timeout: 120_000 }, () => {
  it('should stop at once on a Redis URL it cannot parse (a comma-separated list of nodes)', async () => {
    const res = await serve(
      clusterEnv('postgres', 'postgres://postgres@127.0.0.1:5432/jim_never_opened', 'redis://127.0.0.1:6379,127.0.0.1:6380'),
    )
    expectRefusedStart(res, 'JIM_REDIS_URL', /list of nodes/)
    expect(res.stderr).not.toContain('Invalid URL')
  })

  it('should stop on a Redis URL that is not redis:// and never print its password', async () => {
    const res = await serve(
      clusterEnv('postgres', 'postgres://postgres@127.0.0.1:5432/jim_never_opened', 'http://u:hunter2@127.0.0.1:6379'),
    )
    expectRefusedStart(res, 'JIM_REDIS_URL', /redis:\/\//)
    expect(res.stderr).not.toContain('hunter2')
  })

  it('should stop on a database URL that is not a URL, without printing its password', async () => {
    const res = await serve({ JIM_STORAGE_DRIVER: 'postgres', JIM_STORAGE_URL: 'postgres://u:hunter2@127.0.0.1:notaport/db' })
    expectRefusedStart(res, 'JIM_STORAGE_URL', /not a URL/)
    expect(res.stderr).not.toContain('hunter2')
  })

  for (const dialect of dialectsUnderTest().filter((d) => d !== 'sqlite') as Array<'mysql' | 'postgres'>) {
    describe(dialect, async () => {
      if (!(await dialectAvailable(dialect))) return
      const proxies: FaultProxy[] = []
      afterAll(async () => {
        for (const p of proxies) await p.close()
      })

      it('should stop with a clear message when nothing listens at the database address', async () => {
        const port = await freePort()
        const url = `${dialect}://root@127.0.0.1:${port}/jim_unreachable`.replace('postgres://root', 'postgres://postgres')
        const res = await serve({ JIM_STORAGE_DRIVER: dialect, JIM_STORAGE_URL: url, JIM_STORAGE_CONNECT_TIMEOUT_MS: '1000' })
        expectRefusedStart(res, 'JIM_STORAGE_URL', /cannot reach/)
      })

      it('should stop within the connect bound when the database accepts connections but never answers', async () => {
        const proxy = await FaultProxy.start({ port: DB_PORT[dialect] })
        proxies.push(proxy)
        proxy.pause()
        const url = `${dialect}://root@127.0.0.1:${proxy.port}/jim_hung`.replace('postgres://root', 'postgres://postgres')
        const res = await serve({ JIM_STORAGE_DRIVER: dialect, JIM_STORAGE_URL: url, JIM_STORAGE_CONNECT_TIMEOUT_MS: '1000' })
        expectRefusedStart(res, 'JIM_STORAGE_URL', /cannot reach/)
      })

      it('should stop with a clear message when Redis cannot be reached at start, after the wait the operator set', async () => {
        if (!(await redisAvailable())) return
        const database = createTestDatabase(dialect)
        try {
          const port = await freePort()
          // a closed port: the default 20 s wait would be spent retrying it
          const res = await serve({
            ...clusterEnv(dialect, database.overrides['storage.url'] as string, `redis://127.0.0.1:${port}`),
            JIM_REDIS_START_TIMEOUT_SECONDS: '2',
          })
          expectRefusedStart(res, 'JIM_REDIS_URL', /did not answer within 2 s/)
        } finally {
          await database.cleanup()
        }
      })
    })
  }
})
