import type { Clock } from '../../shared/clock.js'
import type { CaptchaPut, CaptchaStore } from '../../domain/security/captcha-store.js'

/**
 * Per-instance captcha challenges, at most `capacity`. All challenges live equally long, so
 * insertion order is expiry order: expired ones are swept from the front, and when still full
 * a new one is refused until the oldest expires or is answered.
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

  async put(id: string, digest: string, expiresAt: number): Promise<CaptchaPut> {
    const now = this.#clock.now()
    for (const [key, entry] of this.#pending) {
      if (entry.expiresAt > now) break
      this.#pending.delete(key)
    }
    if (this.#pending.size >= this.#capacity) {
      const oldest = this.#pending.values().next().value
      return { stored: false, retryAfterMs: Math.max(1, (oldest?.expiresAt ?? now) - now) }
    }
    this.#pending.set(id, { digest, expiresAt })
    return { stored: true }
  }

  async take(id: string, now: number): Promise<string | null> {
    const entry = this.#pending.get(id)
    if (!entry) return null
    this.#pending.delete(id)
    return entry.expiresAt > now ? entry.digest : null
  }
}
