import type { Config } from './config/config.js'
import { buildApp } from './app.js'
import { createLogger } from './shared/logger.js'
import { sqliteFile } from './store/sql/database.js'
import { acquireSqliteLock } from './store/sql/sqlite-lock.js'

/** Starts a server: builds the app, listens, and shuts down in order on SIGTERM/SIGINT. */
export async function main(config: Config): Promise<void> {
  const logger = createLogger(config.log.level)
  const releaseLock =
    config.storage.driver === 'sqlite' && sqliteFile(config) !== ':memory:' ? acquireSqliteLock(sqliteFile(config)) : () => {}
  const app = await buildApp(config, { logger })
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ event: 'server.stopping', signal }, 'shutting down: closing sockets (1001), broker, database')
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting')
      process.exit(1)
    }, 15_000)
    force.unref()
    try {
      await app.close()
    } finally {
      releaseLock()
      logger.info({ event: 'server.stopped' }, 'stopped')
    }
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
  try {
    const address = await app.http.listen({ host: config.host, port: config.port })
    logger.info(
      { event: 'server.listening', address, storage: config.storage.driver, broker: config.broker.driver },
      `JIM is listening on ${address} (open ${config.publicUrl})`,
    )
  } catch (err) {
    releaseLock()
    await app.close()
    throw err
  }
}
