import { AppError } from '../errors.js'
import type { PasswordHasher } from './password-hasher.js'

export interface BoundedHasherOptions {
  /** hashes or checks running at once (each holds a libuv thread and ~19 MiB with `owasp`) */
  concurrency: number
  /** calls that may wait for a slot; one more is refused at once */
  maxQueued: number
}

/**
 * Caps password hashing, the most expensive thing an anonymous caller can ask for. At most
 * `concurrency` run at once and `maxQueued` wait (first come, first served); beyond that a call is
 * refused with 503 `auth.busy` and a Retry-After, instead of queueing without bound: a burst then
 * costs the attacker refusals, and another user's login waits for at most a short queue.
 */
export class BoundedHasher implements PasswordHasher {
  readonly #inner: PasswordHasher
  readonly #o: BoundedHasherOptions
  readonly #waiting: Array<() => void> = []
  #running = 0

  constructor(inner: PasswordHasher, options: BoundedHasherOptions) {
    this.#inner = inner
    this.#o = options
  }

  /** calls running and waiting now (for tests and metrics) */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length }
  }

  hash(password: string): Promise<string> {
    return this.#run(() => this.#inner.hash(password))
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.#run(() => this.#inner.verify(hash, password))
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#o.concurrency) {
      if (this.#waiting.length >= this.#o.maxQueued) {
        throw new AppError('auth.busy', undefined, { retryAfter: 1 + Math.ceil(this.#waiting.length / (this.#o.concurrency * 20)) })
      }
      // the finishing call hands its slot over directly, so `running` never drops in between
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else {
      this.#running++
    }
    try {
      return await work()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#running--
    }
  }
}
