import type { Clock } from '../../shared/clock.js'
import type { CaptchaStore } from './captcha-store.js'

/**
 * Per-instance captcha challenges, at most `capacity`. All challenges live equally long, so
 * insertion order is expiry order: expired ones are swept from the front, and when still full
 * the oldest pending one is dropped (its solver gets `auth.captcha_invalid` and fetches another).
 */
export class MemoryCaptchaStore implements CaptchaStore {
  readonly #pending = new Map<string, { digest: string; expiresAt: number }>()
  readonly #clock: Clock
  readonly #capacity: number

  constructor(clock: Clock, capacity: number) {
    this.#clock = clock
    this.#capacity = capacity
  }

  /** Challenges held now (for tests and metrics). */
  get size(): number {
    return this.#pending.size
  }

  async put(id: string, digest: string, expiresAt: number): Promise<void> {
    const now = this.#clock.now()
    for (const [key, entry] of this.#pending) {
      if (entry.expiresAt > now) break
      this.#pending.delete(key)
    }
    while (this.#pending.size >= this.#capacity) {
      const oldest = this.#pending.keys().next().value
      if (oldest === undefined) break
      this.#pending.delete(oldest)
    }
    this.#pending.set(id, { digest, expiresAt })
  }

  async take(id: string, now: number): Promise<string | null> {
    const entry = this.#pending.get(id)
    if (!entry) return null
    this.#pending.delete(id)
    return entry.expiresAt > now ? entry.digest : null
  }
}
