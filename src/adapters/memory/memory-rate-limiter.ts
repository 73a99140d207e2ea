import type { Clock } from '../../shared/clock.js'
import type { LimitRule, LimitState, RateLimiter } from '../../domain/security/rate-limiter.js'

/**
 * Per-instance sliding-log limiter: each key keeps the times (and ids) of at most `limit` recent events.
 * Bounded: past `maxKeys`, the least recently used keys are dropped (Map order is kept as LRU).
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #events = new Map<string, Array<{ at: number; id: number }>>()
  #nextId = 0
  readonly #clock: Clock
  readonly #maxKeys: number

  constructor(clock: Clock, maxKeys = 100_000) {
    this.#clock = clock
    this.#maxKeys = maxKeys
  }

  async hit(key: string, rule: LimitRule): Promise<LimitState> {
    const now = this.#clock.now()
    const times = this.#live(key, rule, now)
    if (times.length >= rule.limit) return this.#state(times, rule, now)
    const id = ++this.#nextId
    times.push({ at: now, id })
    this.#events.set(key, times)
    this.#evict()
    return { count: times.length, allowed: true, retryAfterMs: 0, eventId: String(id) }
  }

  async peek(key: string, rule: LimitRule): Promise<LimitState> {
    const now = this.#clock.now()
    return this.#state(this.#live(key, rule, now), rule, now)
  }

  async reset(key: string): Promise<void> {
    this.#events.delete(key)
  }

  async release(key: string, eventId: string): Promise<void> {
    const times = this.#events.get(key)
    const at = times ? times.findIndex((e) => String(e.id) === eventId) : -1
    if (at >= 0) times!.splice(at, 1)
  }

  /** The key's events inside the window, moved to the LRU end. */
  #live(key: string, rule: LimitRule, now: number): Array<{ at: number; id: number }> {
    const stored = this.#events.get(key)
    if (!stored) return []
    this.#events.delete(key)
    const times = stored.filter((e) => e.at > now - rule.windowMs)
    // a key hit under a larger limit keeps more events; only the newest `limit` matter here
    if (times.length > 0) this.#events.set(key, times)
    return times
  }

  #state(times: Array<{ at: number; id: number }>, rule: LimitRule, now: number): LimitState {
    const counted = times.slice(-rule.limit)
    if (counted.length < rule.limit) return { count: counted.length, allowed: true, retryAfterMs: 0 }
    return { count: counted.length, allowed: false, retryAfterMs: Math.max(1, counted[0]!.at + rule.windowMs - now) }
  }

  #evict(): void {
    while (this.#events.size > this.#maxKeys) {
      const oldest = this.#events.keys().next().value
      if (oldest === undefined) return
      this.#events.delete(oldest)
    }
  }
}
