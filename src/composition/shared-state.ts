import type { Config } from '../config/config.js'
import { parseRedisUrl } from '../config/redis-url.js'
import type { Broker } from '../domain/broker.js'
import type { MemberRangesCache } from '../domain/conversations/member-ranges-cache.js'
import type { CaptchaStore } from '../domain/security/captcha-store.js'
import type { RateLimiter } from '../domain/security/rate-limiter.js'
import type { Presence } from '../domain/users/presence.js'
import { FallbackRateLimiter } from '../adapters/fallback-rate-limiter.js'
import { MemoryCaptchaStore } from '../adapters/memory/memory-captcha-store.js'
import { MemoryRateLimiter } from '../adapters/memory/memory-rate-limiter.js'
import { RedisCaptchaStore } from '../adapters/redis/redis-captcha-store.js'
import { RedisRateLimiter } from '../adapters/redis/redis-rate-limiter.js'
import { createInstanceRouter } from '../broker/instance-router.js'
import { MemoryBroker } from '../broker/memory-broker.js'
import { RedisBroker } from '../broker/redis-broker.js'
import { MemoryPresence } from '../presence/memory-presence.js'
import { RedisPresence } from '../presence/redis-presence.js'
import type { Clock } from '../shared/clock.js'
import { newId } from '../shared/ids.js'
import type { Logger } from '../shared/logger.js'
import type { Metrics } from '../shared/metrics.js'
import { withoutPassword } from '../shared/operator-text.js'
import { closeRedisClient, createRedisClient } from '../shared/redis-client.js'

export interface SharedState {
  broker: Broker
  presence: Presence
  /** rate limits and failed-login counters (one limiter, keys are namespaced) */
  limiter: RateLimiter
  /** pending captcha challenges */
  captchas: CaptchaStore
  /** closes what the broker and presence do not own (the shared Redis command connection) */
  close(): Promise<void>
}

export interface SharedStateDeps {
  logger: Logger
  clock: Clock
  metrics: Metrics
  /** who is in which conversation: with Redis, events go only to the instances holding a recipient */
  members: MemberRangesCache
}

/**
 * State instances must share in a cluster. `memory`: this process only. `redis`: fan-out,
 * presence, rate limits and captchas through one Redis (a command connection shared by all, plus
 * the broker's subscriber); limits and captchas fall back to this instance while Redis is down.
 */
export async function createSharedState(config: Config, deps: SharedStateDeps): Promise<SharedState> {
  const { logger, clock } = deps
  const local = { limiter: new MemoryRateLimiter(clock), captchas: new MemoryCaptchaStore(clock, config.captcha.maxPending) }
  switch (config.broker.driver) {
    case 'memory':
      return { broker: new MemoryBroker(), presence: new MemoryPresence(), ...local, close: async () => {} }
    case 'redis': {
      const target = parseRedisUrl(config.redis.url)
      const { prefix } = config.redis
      const instanceId = newId()
      const client = createRedisClient(target, { name: `jim-${instanceId}-cmd`, logger, coalesceWrites: true })
      const broker = new RedisBroker({
        publisher: client,
        subscriber: createRedisClient(target, { name: `jim-${instanceId}-sub`, logger }),
        prefix,
        logger,
        instanceId,
        metrics: deps.metrics.broker,
        sharded: target.kind === 'cluster',
        // presence is built below, once Redis answered; nothing is published before that
        router: createInstanceRouter({ members: deps.members, instancesOf: (userIds) => presence.instancesOf(userIds) }),
      })
      // start subscribed, or not at all: a Redis that cannot be reached at start is a setting to fix
      // (an outage later is survived: the broker runs degraded and recovers by itself). The wait is
      // generous by default: a loaded host may starve the first connect for seconds.
      const { startTimeoutSeconds } = config.redis
      if (!(await broker.ready(startTimeoutSeconds * 1000))) {
        await broker.close()
        await closeRedisClient(client)
        throw new Error(
          `JIM_REDIS_URL: Redis at ${withoutPassword(config.redis.url)} did not answer within ${startTimeoutSeconds} s (JIM_REDIS_START_TIMEOUT_SECONDS); start it or fix the URL`,
        )
      }
      const presence = new RedisPresence({ client, prefix, instanceId, logger, ttlMs: config.redis.presenceTtlSeconds * 1000 })
      return {
        broker,
        presence,
        limiter: new FallbackRateLimiter(new RedisRateLimiter({ client, prefix, clock }), local.limiter, logger),
        captchas: new RedisCaptchaStore({ client, prefix, fallback: local.captchas, logger, clock, capacity: config.captcha.maxPending }),
        close: () => closeRedisClient(client),
      }
    }
  }
}
