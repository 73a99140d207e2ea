import type { Clock } from '../../shared/clock.js'
import type { ClusterEvent } from '../events.js'
import type { User } from '../users/user.js'
import type { Session } from './session.js'

interface Entry {
  user: User
  session: Session
  cachedAt: number
}

/**
 * Per-instance cache of authenticated tokens, for at most `ttlMs`. Revocations and user changes
 * arrive as cluster events and evict at once; if such an event is lost, an entry is still
 * never older than `ttlMs`. Bounded: the oldest entries go first past `maxEntries`.
 */
export class SessionCache {
  readonly #entries = new Map<string, Entry>()
  readonly #clock: Clock
  readonly #ttlMs: number
  readonly #maxEntries: number

  constructor(clock: Clock, ttlMs: number, maxEntries = 50_000) {
    this.#clock = clock
    this.#ttlMs = ttlMs
    this.#maxEntries = maxEntries
  }

  get(tokenHash: string): { user: User; session: Session } | null {
    const entry = this.#entries.get(tokenHash)
    if (!entry) return null
    if (this.#clock.now() - entry.cachedAt > this.#ttlMs) {
      this.#entries.delete(tokenHash)
      return null
    }
    return entry
  }

  set(tokenHash: string, value: { user: User; session: Session }): void {
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(tokenHash, { ...value, cachedAt: this.#clock.now() })
  }

  /** Evicts what a cluster event makes stale. */
  apply(event: ClusterEvent): void {
    if (event.kind === 'sessions.revoked' || event.kind === 'user.changed') {
      const ids = event.kind === 'sessions.revoked' ? event.sessionIds : 'all'
      for (const [key, entry] of this.#entries) {
        if (entry.user.id !== event.userId) continue
        if (ids === 'all' || ids.includes(entry.session.id)) this.#entries.delete(key)
      }
    }
  }
}
