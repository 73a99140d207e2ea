/**
 * Counts, per receiver, how often each numbered message arrived, so a run can prove that every
 * message reached every receiver exactly once (a count per message, not a sum that a loss and a
 * duplicate would cancel out in).
 */
export class DeliveryTally {
  readonly #counts: Uint8Array[]
  #capacity: number
  #outOfRange = 0

  /** `receivers` sockets; message ids are 0 … capacity-1 (the array grows if more are recorded). */
  constructor(receivers: number, capacity = 1024) {
    this.#capacity = capacity
    this.#counts = Array.from({ length: receivers }, () => new Uint8Array(capacity))
  }

  record(receiver: number, messageId: number): void {
    if (receiver < 0 || receiver >= this.#counts.length || messageId < 0 || !Number.isInteger(messageId)) {
      this.#outOfRange++
      return
    }
    if (messageId >= this.#capacity) this.#grow(messageId + 1)
    const row = this.#counts[receiver]!
    if (row[messageId]! < 255) row[messageId]!++
  }

  /**
   * Every receiver should have got messages 0 … sent-1 once each, except `unacknowledged` ones
   * (sends that failed: not expected, not counted as missing if absent). `gaps` are the missing
   * ones below the highest id a receiver got (holes, as opposed to a tail still under way).
   */
  result(sent: number, unacknowledged: ReadonlySet<number> = new Set()) {
    let delivered = 0
    let duplicates = 0
    let missing = 0
    let gaps = 0
    let unexpected = this.#outOfRange
    for (const row of this.#counts) {
      let highest = -1
      let absent = 0
      for (let id = 0; id < row.length; id++) {
        const n = row[id]!
        if (id >= sent) {
          unexpected += n
          continue
        }
        delivered += n
        if (n > 0) highest = id
        if (n > 1) duplicates += n - 1
        if (n === 0 && !unacknowledged.has(id)) {
          missing++
          absent++
        }
      }
      for (let id = row.length; id < sent; id++) if (!unacknowledged.has(id)) missing++
      // absent ids above the highest delivered one are the tail, not holes
      for (let id = highest + 1; id < Math.min(sent, row.length); id++) if (row[id] === 0 && !unacknowledged.has(id)) absent--
      gaps += absent
    }
    const receivers = this.#counts.length
    return {
      expected: (sent - unacknowledged.size) * receivers,
      delivered,
      missing,
      gaps,
      duplicates,
      unexpected,
      exactlyOnce: missing === 0 && duplicates === 0 && unexpected === 0,
    }
  }

  #grow(atLeast: number): void {
    const capacity = Math.max(atLeast, this.#capacity * 2)
    for (let i = 0; i < this.#counts.length; i++) {
      const bigger = new Uint8Array(capacity)
      bigger.set(this.#counts[i]!)
      this.#counts[i] = bigger
    }
    this.#capacity = capacity
  }
}
