import type { AddressInfo } from 'node:net'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig } from '../../src/config/load-config.js'
import type { Clock } from '../../src/shared/clock.js'
import { createLogger, type Logger } from '../../src/shared/logger.js'
import { createTestDatabase, type Dialect, type TestDatabase } from './databases.js'

export interface TestApp {
  app: App
  /** http://127.0.0.1:port */
  url: string
  /** ws://127.0.0.1:port/api/v1/ws */
  wsUrl: string
  database: TestDatabase
  close(): Promise<void>
}

/**
 * Builds a real JIM app on a free port with its own database (SQLite by default; set
 * `dialect` or env TEST_STORAGE=mysql|postgres), cheap password hashing and quiet logs.
 */
export async function startTestApp(
  options: {
    overrides?: Record<string, unknown>
    dialect?: Dialect
    clock?: Clock
    database?: TestDatabase
    /** folder of the built web client to serve at / (browser tests); default: none */
    webRoot?: string
    /** listen on this port (a restart on the same address); default: a free one */
    port?: number
    /** log here instead of a quiet logger (tests that read the log lines) */
    logger?: Logger
  } = {},
): Promise<TestApp> {
  const dialect = options.dialect ?? ((process.env.TEST_STORAGE as Dialect | undefined) || 'sqlite')
  const database = options.database ?? createTestDatabase(dialect)
  const config = loadConfig({
    env: { NODE_ENV: 'test' },
    cwd: database.overrides.dataDir as string,
    overrides: {
      host: '127.0.0.1',
      port: 0,
      'auth.hashProfile': 'test',
      // suites register many users from 127.0.0.1; security tests pass their own limits
      'rateLimit.registerPerHour': 1_000_000,
      'rateLimit.friendRequestsPerHour': 1_000_000,
      'rateLimit.groupsPerHour': 1_000_000,
      'rateLimit.invitationsPerHour': 1_000_000,
      // suites open many sockets; test/security/ws-connect-limits.test.ts passes its own
      'rateLimit.wsConnectsPerMinute': 1_000_000,
      'rateLimit.wsConnectsPerMinutePerIp': 1_000_000,
      'log.level': process.env.TEST_LOG_LEVEL ?? 'silent',
      ...database.overrides,
      ...options.overrides,
    },
  })
  const app = await buildApp(config, {
    clock: options.clock,
    logger: options.logger ?? createLogger(config.log.level),
    webRoot: options.webRoot ?? '/nonexistent',
  })
  await app.http.listen({ host: '127.0.0.1', port: options.port ?? 0 })
  const { port } = app.http.server.address() as AddressInfo
  const ownsDatabase = !options.database
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/ws`,
    database,
    close: async () => {
      await app.close()
      if (ownsDatabase) await database.cleanup()
    },
  }
}
