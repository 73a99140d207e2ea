import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config/config.js'
import type { Broker } from './broker/broker.js'
import { MemoryBroker } from './broker/memory-broker.js'
import { AuthService } from './domain/auth/auth-service.js'
import { createPasswordHasher } from './domain/auth/password-hasher.js'
import { PresenceService } from './domain/users/presence-service.js'
import { UserService } from './domain/users/user-service.js'
import { WsGateway } from './gateway/ws-gateway.js'
import { registerAuthHook } from './http/auth-hook.js'
import { registerAuthRoutes } from './http/routes/auth-routes.js'
import { registerHealthRoutes } from './http/routes/health-routes.js'
import { registerMeRoutes } from './http/routes/me-routes.js'
import { registerUserRoutes } from './http/routes/user-routes.js'
import { createHttpServer } from './http/server.js'
import { MemoryPresence } from './presence/memory-presence.js'
import type { Presence } from './presence/presence.js'
import { systemClock, type Clock } from './shared/clock.js'
import { createLogger, type Logger } from './shared/logger.js'
import { createMetrics } from './shared/metrics.js'
import { ensureDatabaseExists, migrateToLatest, openDatabase } from './store/sql/database.js'
import { createSqlStore } from './store/sql/sql-store.js'
import type { Store } from './store/store.js'

export interface AppOptions {
  logger?: Logger
  clock?: Clock
  /** where the built web client lives (default: dist/web next to the sources) */
  webRoot?: string
}

export interface App {
  readonly http: FastifyInstance
  readonly config: Config
  readonly store: Store
  readonly broker: Broker
  readonly gateway: WsGateway
  readonly logger: Logger
  /** Stops accepting, closes sockets with 1001, then the broker and the database. */
  close(): Promise<void>
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../dist/web', import.meta.url))

/**
 * The composition root: builds store, broker, presence, services and transports from config.
 * Never listens; `main` does. The only place that switches on driver names.
 */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.log.level)
  const clock = options.clock ?? systemClock
  const metrics = createMetrics()

  await ensureDatabaseExists(config)
  const database = openDatabase(config)
  await migrateToLatest(database)
  const store = createSqlStore(database)
  const broker = createBroker(config)
  const presence = createPresence(config)

  const auth = new AuthService({
    store,
    broker,
    hasher: createPasswordHasher(config.auth.hashProfile),
    clock,
    logger,
    sessionTtlMs: config.auth.sessionTtlHours * 3600_000,
    passwordMinLength: config.auth.passwordMinLength,
    passwordMinScore: config.auth.passwordMinScore,
    registrationOpenByDefault: config.registration.open,
  })
  const users = new UserService({ store, broker, clock, logger })
  const presenceService = new PresenceService({ presence, broker, store, logger })
  const http = await createHttpServer({ config, logger, metrics, webRoot: options.webRoot ?? DEFAULT_WEB_ROOT })
  const gateway = new WsGateway({ config, auth, presence: presenceService, logger, metrics: metrics.gateway })

  broker.onEvent((event) => {
    metrics.brokerEvents.inc({ direction: 'in' })
    auth.cache.apply(event)
    gateway.handleClusterEvent(event)
  })
  broker.onResubscribed(() => gateway.requestSync())

  registerAuthHook(http, auth)
  registerHealthRoutes(http, { store, broker, metrics, metricsToken: config.metrics.token })
  registerAuthRoutes(http, { auth })
  registerMeRoutes(http, { auth, users })
  registerUserRoutes(http, { users, searchExclusions: async () => [] })
  gateway.register(http)
  http.addHook('preClose', async () => {
    await gateway.drain()
  })
  await http.ready()

  let closed: Promise<void> | null = null
  return {
    http,
    config,
    store,
    broker,
    gateway,
    logger,
    close: () =>
      (closed ??= (async () => {
        await http.close()
        await broker.close()
        await presence.close()
        await store.close()
      })()),
  }
}

function createBroker(config: Config): Broker {
  switch (config.broker.driver) {
    case 'memory':
      return new MemoryBroker()
    case 'redis':
      throw new Error('JIM_BROKER_DRIVER: redis is not available in this build yet')
  }
}

function createPresence(config: Config): Presence {
  switch (config.broker.driver) {
    case 'memory':
      return new MemoryPresence()
    case 'redis':
      throw new Error('JIM_BROKER_DRIVER: redis is not available in this build yet')
  }
}
