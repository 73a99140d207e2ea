import type { Timers } from './backoff.js'

/**
 * Pings on a timer while connected; a link silent for 2.5 heartbeats is called dead (`onDead`),
 * since a half-open TCP connection may never report its close.
 */
export class Heartbeat {
  readonly #timers: Timers
  readonly #ping: () => void
  readonly #onDead: () => void
  #timer: unknown = null
  #lastFrameAt = 0

  constructor(deps: { timers: Timers; ping: () => void; onDead: () => void }) {
    this.#timers = deps.timers
    this.#ping = deps.ping
    this.#onDead = deps.onDead
  }

  /** Something arrived: the link is alive. */
  heard(): void {
    this.#lastFrameAt = this.#timers.now()
  }

  start(intervalMs: number): void {
    this.stop()
    const tick = () => {
      if (this.#timers.now() - this.#lastFrameAt > intervalMs * 2.5) {
        this.#timer = null
        this.#onDead()
        return
      }
      this.#ping()
      this.#timer = this.#timers.setTimeout(tick, intervalMs)
    }
    this.#timer = this.#timers.setTimeout(tick, intervalMs)
  }

  stop(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer)
    this.#timer = null
  }
}
