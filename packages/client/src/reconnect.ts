import { backoffDelay, type BackoffOptions, type Timers } from './backoff.js'

/** When to try again: capped exponential backoff with jitter, counted since the last success. */
export class ReconnectSchedule {
  readonly #timers: Timers
  readonly #backoff: BackoffOptions
  readonly #random: () => number
  #attempt = 0
  #timer: unknown = null
  #retryAt: number | null = null

  constructor(deps: { timers: Timers; backoff: BackoffOptions; random: () => number }) {
    this.#timers = deps.timers
    this.#backoff = deps.backoff
    this.#random = deps.random
  }

  /** failed attempts since the last success */
  get attempt(): number {
    return this.#attempt
  }

  /** when the next attempt runs (epoch ms), while waiting for it */
  get retryAt(): number | null {
    return this.#retryAt
  }

  /** Connected (or started afresh): the next failure starts from the shortest wait again. */
  resetAttempts(): void {
    this.#attempt = 0
  }

  /** Runs `connect` after the next backoff delay (replacing a wait already scheduled). */
  schedule(connect: () => void): void {
    this.cancel()
    const delay = backoffDelay(this.#attempt, this.#backoff, this.#random)
    this.#attempt++
    this.#retryAt = this.#timers.now() + delay
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null
      this.#retryAt = null
      connect()
    }, delay)
  }

  cancel(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer)
    this.#timer = null
    this.#retryAt = null
  }
}
