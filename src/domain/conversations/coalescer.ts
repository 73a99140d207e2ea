/**
 * Collects signals per conversation and flushes them at most once per `intervalMs`, so read
 * receipts and typing in large groups cost O(members) frames per second, not O(members²).
 * Per instance: with N instances a conversation gets at most N frames per interval.
 */
export class Coalescer<T> {
  readonly #intervalMs: number
  readonly #flush: (conversationId: string, items: T[]) => Promise<void>
  readonly #pending = new Map<string, Map<string, T>>()
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor(intervalMs: number, flush: (conversationId: string, items: T[]) => Promise<void>) {
    this.#intervalMs = intervalMs
    this.#flush = flush
  }

  /** Adds a signal; a later one with the same key (e.g. user id) replaces the earlier. */
  add(conversationId: string, key: string, item: T): void {
    let batch = this.#pending.get(conversationId)
    if (!batch) {
      this.#pending.set(conversationId, (batch = new Map()))
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        const items = [...(this.#pending.get(conversationId)?.values() ?? [])]
        this.#pending.delete(conversationId)
        void this.#flush(conversationId, items).catch(() => {})
      }, this.#intervalMs)
      timer.unref()
      this.#timers.add(timer)
    }
    batch.set(key, item)
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    this.#pending.clear()
  }
}
