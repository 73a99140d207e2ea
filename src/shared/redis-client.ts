import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Logger } from './logger.js'

/**
 * Opens an ioredis connection that fails fast instead of queueing: with Redis down, a command
 * rejects at once (no offline queue) or after `commandTimeoutMs` (2 s), so callers fall back
 * (per-instance limits, degraded broker) and never hold a request or a send for long.
 * Reconnects forever in the background with a capped backoff (at most 2 s between tries).
 */
export function createRedisClient(url: string, options: { name: string; logger: Logger; commandTimeoutMs?: number }): Redis {
  const client = new Redis(url, {
    connectionName: options.name,
    enableOfflineQueue: false,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    // ready check waits for a loading Redis; keep it
    enableReadyCheck: true,
  })
  let down = false
  client.on('error', (err: Error) => {
    // ioredis emits one error per failed reconnect: log the first of an outage only
    if (down) return
    down = true
    options.logger.warn({ event: 'redis.error', connection: options.name, err: { message: err.message } }, 'redis connection failed')
  })
  client.on('ready', () => {
    if (down) options.logger.info({ event: 'redis.recovered', connection: options.name }, 'redis connection is back')
    down = false
  })
  return client
}

/** Closes a client politely if it is connected, else drops it; never throws. */
export async function closeRedisClient(client: Redis): Promise<void> {
  try {
    if (client.status === 'ready') await client.quit()
    else client.disconnect()
  } catch {
    client.disconnect()
  }
}

/**
 * A Lua script run atomically by Redis: EVALSHA, and EVAL once when Redis does not know it
 * yet (first use, or after a restart emptied its script cache).
 */
export class RedisScript {
  readonly sha: string

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  async run<T>(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<T> {
    try {
      return (await client.evalsha(this.sha, keys.length, ...keys, ...args)) as T
    } catch (err) {
      if (!(err as Error).message?.startsWith('NOSCRIPT')) throw err
      return (await client.eval(this.source, keys.length, ...keys, ...args)) as T
    }
  }
}
