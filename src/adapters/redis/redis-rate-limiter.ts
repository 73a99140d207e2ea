import { randomBytes } from 'node:crypto'
import { RedisScript, type RedisClient } from '../../shared/redis-client.js'
import type { Clock } from '../../shared/clock.js'
import type { LimitRule, LimitState, RateLimiter } from '../../domain/security/rate-limiter.js'

/** KEYS: the key. ARGV: now, windowMs, limit, member. → {count, allowed, retryAfterMs} */
const HIT = new RedisScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
  return {limit, 0, math.max(1, tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
if redis.call('PTTL', KEYS[1]) < window then redis.call('PEXPIRE', KEYS[1], window) end
return {count + 1, 1, 0}
`)

/** KEYS: the key. ARGV: now, windowMs, limit. Read only. */
const PEEK = new RedisScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local count = redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), '+inf')
if count < limit then return {count, 1, 0} end
local oldest = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
return {limit, 0, math.max(1, tonumber(oldest[2]) + window - now)}
`)

/**
 * Cluster-wide sliding-log limiter: one sorted set per key (`${prefix}rl:<key>`, scored by event
 * time), trimmed and counted by one Lua script per hit, so concurrent hits from every instance
 * never let more than `limit` events into a window. Keys expire with their window, which bounds
 * Redis memory. Times come from each instance's clock: keep them NTP-synced (skew shifts windows).
 * Throws when Redis is unreachable; `FallbackRateLimiter` turns that into per-instance limits.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #client: RedisClient
  readonly #prefix: string
  readonly #clock: Clock

  constructor(options: { client: RedisClient; prefix: string; clock: Clock }) {
    this.#client = options.client
    this.#prefix = `${options.prefix}rl:`
    this.#clock = options.clock
  }

  async hit(key: string, rule: LimitRule): Promise<LimitState> {
    const now = this.#clock.now()
    const member = `${now}:${randomBytes(6).toString('hex')}`
    const state = toState(await HIT.run<number[]>(this.#client, [this.#prefix + key], [now, rule.windowMs, rule.limit, member]))
    return state.allowed ? { ...state, eventId: member } : state
  }

  async peek(key: string, rule: LimitRule): Promise<LimitState> {
    return toState(await PEEK.run<number[]>(this.#client, [this.#prefix + key], [this.#clock.now(), rule.windowMs, rule.limit]))
  }

  async reset(key: string): Promise<void> {
    await this.#client.del(this.#prefix + key)
  }

  async release(key: string, eventId: string): Promise<void> {
    await this.#client.zrem(this.#prefix + key, eventId)
  }
}

function toState([count, allowed, retryAfterMs]: number[]): LimitState {
  return { count: Number(count), allowed: allowed === 1, retryAfterMs: Number(retryAfterMs) }
}
