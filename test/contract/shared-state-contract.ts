import type { RedisClient } from '../../src/shared/redis-client.js'
import { afterAll, afterEach, describe } from 'vitest'
import type { Broker } from '../../src/domain/broker.js'
import { MemoryBroker } from '../../src/broker/memory-broker.js'
import { RedisBroker, type RedisBrokerOptions } from '../../src/broker/redis-broker.js'
import type { CaptchaStore } from '../../src/domain/security/captcha-store.js'
import { FallbackRateLimiter } from '../../src/adapters/fallback-rate-limiter.js'
import { MemoryCaptchaStore } from '../../src/adapters/memory/memory-captcha-store.js'
import { MemoryRateLimiter } from '../../src/adapters/memory/memory-rate-limiter.js'
import type { RateLimiter } from '../../src/domain/security/rate-limiter.js'
import { RedisCaptchaStore } from '../../src/adapters/redis/redis-captcha-store.js'
import { RedisRateLimiter } from '../../src/adapters/redis/redis-rate-limiter.js'
import { MemoryPresence } from '../../src/presence/memory-presence.js'
import type { Presence } from '../../src/domain/users/presence.js'
import { RedisPresence } from '../../src/presence/redis-presence.js'
import type { Clock } from '../../src/shared/clock.js'
import { newId } from '../../src/shared/ids.js'
import { createLogger } from '../../src/shared/logger.js'
import { closeRedisClient, createRedisClient } from '../../src/shared/redis-client.js'
import { SHARED_REDIS_URL, deleteRedisKeys, redisAvailable, uniqueRedisPrefix } from '../helpers/redis.js'

export type SharedDriver = 'memory' | 'redis'

/**
 * Builds implementations of one driver. "Instances" stand for app processes of one cluster:
 * for redis each is a separate object with its own connection on one key prefix; for memory
 * the cluster is one process, so every instance is the same object (the port's contract must
 * hold either way).
 */
export interface SharedStateContext {
  driver: SharedDriver
  /** redis: the run's key prefix */
  prefix: string
  brokers(n: number, options?: Partial<RedisBrokerOptions> & { url?: string; waitReady?: boolean }): Promise<Broker[]>
  presences(n: number, options?: { ttlMs?: number }): Promise<Presence[]>
  limiters(n: number, clock: Clock): Promise<RateLimiter[]>
  /** each instance (or the cluster, for redis) holds at most `capacity` pending challenges (default 1000) */
  captchaStores(n: number, clock: Clock, capacity?: number): Promise<CaptchaStore[]>
  /** redis only: a fresh command connection (closed after the test) */
  redis(url?: string): RedisClient
}

export const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent')

/**
 * Runs one behaviour suite against the memory and the Redis implementations of the shared-state
 * ports (broker, presence, rate limiter, captcha store), like `describeEachStore` for the SQL
 * store. Redis: 127.0.0.1:6379, a unique key prefix per run, keys deleted afterwards; skipped
 * loudly when Redis is missing, a failure when CI=true. Narrow with BROKERS=memory|redis;
 * `drivers` limits a suite to what only some drivers do (a cluster of memory brokers cannot exist).
 */
export function describeEachBroker(
  name: string,
  suite: (ctx: () => SharedStateContext) => void,
  options: { drivers?: readonly SharedDriver[] } = {},
): void {
  const wanted = process.env.BROKERS?.split(',').map((s) => s.trim())
  for (const driver of options.drivers ?? (['memory', 'redis'] as const)) {
    if (wanted && !wanted.includes(driver)) continue
    describe(`${driver}: ${name}`, async () => {
      if (driver === 'redis' && !(await redisAvailable())) return
      const prefix = uniqueRedisPrefix()
      const closers: Array<() => Promise<void> | void> = []
      const client = (url = SHARED_REDIS_URL, role = 'cmd') => {
        const c = createRedisClient(url, { name: `jim-test-${role}`, logger })
        closers.push(() => closeRedisClient(c))
        return c
      }
      const ctx: SharedStateContext = {
        driver,
        prefix,
        async brokers(n, options = {}) {
          if (driver === 'memory') {
            const broker = new MemoryBroker()
            return Array.from({ length: n }, () => broker)
          }
          const brokers = Array.from({ length: n }, () => {
            const { url = SHARED_REDIS_URL, waitReady: _, ...rest } = options
            const broker = new RedisBroker({ publisher: client(url), subscriber: client(url, 'sub'), prefix, logger, ...rest })
            closers.push(() => broker.close())
            return broker
          })
          if (options.waitReady !== false) await Promise.all(brokers.map((b) => b.ready(5000)))
          return brokers
        },
        async presences(n, options = {}) {
          if (driver === 'memory') {
            const presence = new MemoryPresence()
            return Array.from({ length: n }, () => presence)
          }
          const clients = Array.from({ length: n }, () => client())
          await Promise.all(clients.map(connected))
          return clients.map((c) => {
            const presence = new RedisPresence({ client: c, prefix, instanceId: newId(), logger, ttlMs: options.ttlMs })
            closers.push(() => presence.close())
            return presence
          })
        },
        async limiters(n, clock) {
          if (driver === 'memory') {
            const limiter = new MemoryRateLimiter(clock)
            return Array.from({ length: n }, () => limiter)
          }
          const clients = Array.from({ length: n }, () => client())
          await Promise.all(clients.map(connected))
          return clients.map((c) => new RedisRateLimiter({ client: c, prefix, clock }))
        },
        async captchaStores(n, clock, capacity = 1000) {
          if (driver === 'memory') {
            const store = new MemoryCaptchaStore(clock, capacity)
            return Array.from({ length: n }, () => store)
          }
          const clients = Array.from({ length: n }, () => client())
          await Promise.all(clients.map(connected))
          return clients.map(
            (c) => new RedisCaptchaStore({ client: c, prefix, fallback: new MemoryCaptchaStore(clock, capacity), logger, clock, capacity }),
          )
        },
        redis: (url) => client(url),
      }
      afterEach(async () => {
        // closers run newest first: brokers and presences before their connections
        for (const close of closers.splice(0).reverse()) await close()
      })
      afterAll(async () => {
        if (driver === 'redis') await deleteRedisKeys(prefix)
      })
      suite(() => ctx)
    })
  }
}

/** A limiter whose shared side is unreachable, falling back to memory (what an instance uses while Redis is down). */
export function fallbackOnly(ctx: SharedStateContext, clock: Clock, deadUrl: string): RateLimiter {
  return new FallbackRateLimiter(
    new RedisRateLimiter({ client: ctx.redis(deadUrl), prefix: ctx.prefix, clock }),
    new MemoryRateLimiter(clock),
    logger,
  )
}

/** Waits until a client is connected (clients fail fast instead of queueing commands). */
export async function connected(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis did not connect within 3 s')), 3000)
    client.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}
