/**
 * Lets at most one log line through per `everyMs` for one kind of event, counting what it held
 * back, so a flood of the same client-caused event (200 sockets sending oversized frames) costs a
 * few lines instead of one per event: logs must not be an amplifier.
 */
export class LogThrottle {
  readonly #everyMs: number
  #last = -Infinity
  #suppressed = 0

  constructor(everyMs: number) {
    this.#everyMs = everyMs
  }

  /** null: stay quiet; a number: log now, mentioning that many lines held back since the last one. */
  take(now = Date.now()): number | null {
    if (now - this.#last < this.#everyMs) {
      this.#suppressed++
      return null
    }
    const suppressed = this.#suppressed
    this.#suppressed = 0
    this.#last = now
    return suppressed
  }
}
