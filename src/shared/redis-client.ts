import { createHash } from 'node:crypto'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { loadOnUse } from './load-on-use.js'
import type { Logger } from './logger.js'

/** ioredis, loaded by the first client (never in a server on the in-process broker) */
export const ioredis = loadOnUse<typeof import('ioredis')>('ioredis')

/** One Redis, or a Redis Cluster: both answer the same commands (a script's keys must share a slot). */
export type RedisClient = Redis | Cluster

/** What `JIM_REDIS_URL` names (parsed and validated by config/redis-url.ts). */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; username?: string; password?: string; tls: boolean }

/**
 * Opens an ioredis connection (or a Cluster client) that fails fast instead of queueing: with
 * Redis down, a command rejects at once (no offline queue) or after `commandTimeoutMs` (2 s), so
 * callers fall back (per-instance limits, degraded broker) and never hold a request or a send
 * for long. Reconnects forever in the background with a capped backoff (at most 2 s between tries).
 * A Cluster client follows slot moves and failovers itself, and subscribes to sharded channels on
 * the master that owns each one's slot.
 */
export function createRedisClient(
  to: RedisTarget | string,
  options: {
    name: string
    logger: Logger
    commandTimeoutMs?: number
    /** one Redis only: the commands of one event-loop turn leave in one write (see `coalesceWrites`); not for a subscriber */
    coalesceWrites?: boolean
  },
): RedisClient {
  // a plain string is one Redis (tests, benches); JIM itself passes the parsed setting
  const target: RedisTarget = typeof to === 'string' ? { kind: 'single', url: to } : to
  const retryStrategy = (attempt: number) => Math.min(attempt * 100, 2000)
  const connection: RedisOptions = {
    connectionName: options.name,
    enableOfflineQueue: false,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: 2000,
    retryStrategy,
    // ready check waits for a loading Redis; keep it
    enableReadyCheck: true,
  }
  const client: RedisClient =
    target.kind === 'single'
      ? new (ioredis().Redis)(target.url, connection)
      : new (ioredis().Cluster)(target.nodes, {
          enableOfflineQueue: false,
          enableReadyCheck: true,
          shardedSubscribers: true,
          clusterRetryStrategy: retryStrategy,
          // during a failover a slot answers MOVED/CLUSTERDOWN for a moment: retry briefly
          maxRedirections: 16,
          retryDelayOnClusterDown: 200,
          retryDelayOnFailover: 200,
          redisOptions: {
            ...connection,
            ...(target.username ? { username: target.username } : {}),
            ...(target.password ? { password: target.password } : {}),
            ...(target.tls ? { tls: {} } : {}),
          },
        })
  if (options.coalesceWrites && client instanceof ioredis().Redis) coalesceWrites(client)
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

/**
 * Commands written in one event-loop turn leave in one system call: the first command of a turn
 * corks the socket and the turn's end (`setImmediate`) uncorks it, so Node writes them together
 * (one `writev`). A command connection serving many concurrent sends (route lookups, publishes:
 * a group commit resolves several sends in one turn) then costs one write per turn instead of one
 * per command, and Redis reads them in one wake-up. Unlike ioredis' auto-pipelining, a turn's
 * commands never wait for an earlier turn's replies, and order is unchanged (one socket).
 */
function coalesceWrites(client: Redis): void {
  const send = client.sendCommand.bind(client)
  let corked: Redis['stream'] | null = null
  client.sendCommand = (command, stream) => {
    const socket = client.stream
    // a pipeline passes its own stream (it writes once already); a connection not ready writes nothing
    if (!stream && !corked && socket && client.status === 'ready' && socket.writable) {
      corked = socket
      socket.cork()
      setImmediate(() => {
        corked = null
        socket.uncork()
      })
    }
    return send(command, stream)
  }
}

/** Closes a client politely if it is connected, else drops it; never throws. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
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

  async run<T>(client: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<T> {
    try {
      return (await client.evalsha(this.sha, keys.length, ...keys, ...args)) as T
    } catch (err) {
      if (!(err as Error).message?.startsWith('NOSCRIPT')) throw err
      return (await client.eval(this.source, keys.length, ...keys, ...args)) as T
    }
  }
}
