import type { Clock } from '../../shared/clock.js'
import type { Logger } from '../../shared/logger.js'
import { RedisScript, type RedisClient } from '../../shared/redis-client.js'
import type { CaptchaPut, CaptchaStore } from '../../domain/security/captcha-store.js'

/**
 * KEYS: the index (sorted set of pending ids by expiry), the challenge. ARGV: now, expiresAt,
 * value, capacity, ttlMs, id. → 0 when stored, else the expiry of the oldest pending challenge.
 */
const PUT = new RedisScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(oldest[2])
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[6])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[5])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return 0
`)

/** KEYS: the index, the challenge. ARGV: id. → the stored value or nil; removes both. */
const TAKE = new RedisScript(`
local value = redis.call('GET', KEYS[2])
if value then redis.call('DEL', KEYS[2]) end
redis.call('ZREM', KEYS[1], ARGV[1])
return value
`)

/**
 * Cluster-wide captcha challenges: `${prefix}{captcha}:<id>` holding "<expiresAt>:<digest>" with
 * a Redis expiry, and an index `${prefix}{captcha}:pending` (ids by expiry) that bounds how many
 * are pending across the cluster: past `capacity` live ones, `put` stores nothing (fail closed).
 * Both scripts are atomic, so a challenge issued by one instance is answered on any other, once,
 * and parallel issues never exceed the capacity. The hash tag keeps both keys in one cluster slot.
 *
 * Redis down: challenges go to `fallback` (this instance's memory, bounded the same way) and are
 * looked up there too, so captchas keep working for clients that answer on the issuing instance.
 */
export class RedisCaptchaStore implements CaptchaStore {
  readonly #client: RedisClient
  readonly #prefix: string
  readonly #fallback: CaptchaStore
  readonly #logger: Logger
  readonly #clock: Clock
  readonly #capacity: number
  #usedFallback = false

  constructor(options: { client: RedisClient; prefix: string; fallback: CaptchaStore; logger: Logger; clock: Clock; capacity: number }) {
    this.#client = options.client
    this.#prefix = `${options.prefix}{captcha}:`
    this.#fallback = options.fallback
    this.#logger = options.logger
    this.#clock = options.clock
    this.#capacity = options.capacity
  }

  async put(id: string, digest: string, expiresAt: number): Promise<CaptchaPut> {
    const now = this.#clock.now()
    const ttl = Math.max(1, expiresAt - now)
    try {
      const oldest = await PUT.run<number>(
        this.#client,
        [this.#prefix + 'pending', this.#prefix + id],
        [now, expiresAt, `${expiresAt}:${digest}`, this.#capacity, ttl, id],
      )
      return oldest === 0 ? { stored: true } : { stored: false, retryAfterMs: Math.max(1, Number(oldest) - now) }
    } catch (err) {
      this.#failed(err)
      return this.#fallback.put(id, digest, expiresAt)
    }
  }

  async take(id: string, now: number): Promise<string | null> {
    let stored: string | null = null
    try {
      stored = await TAKE.run<string | null>(this.#client, [this.#prefix + 'pending', this.#prefix + id], [id])
    } catch (err) {
      this.#failed(err)
    }
    if (stored === null) return this.#usedFallback ? this.#fallback.take(id, now) : null
    const colon = stored.indexOf(':')
    const expiresAt = Number(stored.slice(0, colon))
    return expiresAt > now ? stored.slice(colon + 1) : null
  }

  #failed(err: unknown): void {
    if (!this.#usedFallback) {
      this.#logger.warn(
        { event: 'captcha.fallback', err: { message: (err as Error).message } },
        'shared captcha store unavailable; using this instance',
      )
    }
    this.#usedFallback = true
  }
}
