import type { Logger } from '../shared/logger.js'
import type { LimitRule, LimitState, RateLimiter } from '../domain/security/rate-limiter.js'

const LOG_EVERY_MS = 10_000
const PRIMARY = 'p:'
const FALLBACK = 'f:'

function tag(state: LimitState, side: string): LimitState {
  return state.eventId === undefined ? state : { ...state, eventId: side + state.eventId }
}

/**
 * Shared limits with a local safety net: asks `primary` (Redis, cluster-wide) and, when it
 * fails, `fallback` (this instance's memory). While Redis is down each instance counts on its
 * own, so a client spread over N instances may get up to N times a limit; nothing is refused
 * or let through unlimited because Redis is down. Counts made during the outage are not merged back.
 */
export class FallbackRateLimiter implements RateLimiter {
  readonly #primary: RateLimiter
  readonly #fallback: RateLimiter
  readonly #logger: Logger
  #lastLog = 0

  constructor(primary: RateLimiter, fallback: RateLimiter, logger: Logger) {
    this.#primary = primary
    this.#fallback = fallback
    this.#logger = logger
  }

  async hit(key: string, rule: LimitRule): Promise<LimitState> {
    try {
      return tag(await this.#primary.hit(key, rule), PRIMARY)
    } catch (err) {
      this.#failed(err)
      return tag(await this.#fallback.hit(key, rule), FALLBACK)
    }
  }

  peek(key: string, rule: LimitRule): Promise<LimitState> {
    return this.#try((l) => l.peek(key, rule))
  }

  async reset(key: string): Promise<void> {
    // both: a success must clear failures counted on either side
    await Promise.all([this.#primary.reset(key).catch((err: unknown) => this.#failed(err)), this.#fallback.reset(key)])
  }

  /** Goes to the side that recorded the event (its id says which). */
  async release(key: string, eventId: string): Promise<void> {
    const side = eventId.startsWith(PRIMARY) ? this.#primary : this.#fallback
    await side.release(key, eventId.slice(PRIMARY.length)).catch((err: unknown) => this.#failed(err))
  }

  async #try<T>(call: (limiter: RateLimiter) => Promise<T>): Promise<T> {
    try {
      return await call(this.#primary)
    } catch (err) {
      this.#failed(err)
      return call(this.#fallback)
    }
  }

  #failed(err: unknown): void {
    const now = Date.now()
    if (now - this.#lastLog < LOG_EVERY_MS) return
    this.#lastLog = now
    this.#logger.warn(
      { event: 'rate_limit.fallback', err: { message: (err as Error).message } },
      'shared rate limits unavailable; counting per instance',
    )
  }
}
