import type { Redis } from 'ioredis'
import type { Clock } from '../../shared/clock.js'
import type { Logger } from '../../shared/logger.js'
import type { CaptchaStore } from './captcha-store.js'

/**
 * Cluster-wide captcha challenges: `${prefix}captcha:<id>` holding "<expiresAt>:<digest>" with
 * a Redis expiry (SET PX), taken with GETDEL, so a challenge issued by one instance can be
 * answered on any other, once. Redis bounds memory by expiry; the per-IP captcha rate limit
 * bounds the rate. Needs Redis >= 6.2 (GETDEL).
 *
 * Redis down: challenges go to `fallback` (this instance's memory) and are looked up there too,
 * so captchas keep working for clients that answer on the instance that issued them.
 */
export class RedisCaptchaStore implements CaptchaStore {
  readonly #client: Redis
  readonly #prefix: string
  readonly #fallback: CaptchaStore
  readonly #logger: Logger
  readonly #clock: Clock
  #usedFallback = false

  constructor(options: { client: Redis; prefix: string; fallback: CaptchaStore; logger: Logger; clock: Clock }) {
    this.#client = options.client
    this.#prefix = `${options.prefix}captcha:`
    this.#fallback = options.fallback
    this.#logger = options.logger
    this.#clock = options.clock
  }

  async put(id: string, digest: string, expiresAt: number): Promise<void> {
    const ttl = Math.max(1, expiresAt - this.#clock.now())
    try {
      await this.#client.set(this.#prefix + id, `${expiresAt}:${digest}`, 'PX', ttl)
    } catch (err) {
      this.#failed(err)
      await this.#fallback.put(id, digest, expiresAt)
    }
  }

  async take(id: string, now: number): Promise<string | null> {
    let stored: string | null = null
    try {
      stored = await this.#client.getdel(this.#prefix + id)
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
