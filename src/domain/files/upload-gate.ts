import { AppError } from '../errors.js'

/**
 * Bounds on uploads in one process: how many may be in progress at once (per user, and for
 * everyone together so a crowd cannot exhaust disk bandwidth and file handles), and the
 * storage quota (checked and recorded one upload at a time per user). In a cluster both are
 * per instance: a user uploading through several instances at once can pass the quota by
 * at most one upload per instance.
 */
export class UploadGate {
  readonly #maxConcurrent: number
  readonly #maxConcurrentTotal: number
  readonly #quotaBytes: number
  readonly #active = new Map<string, number>()
  #activeTotal = 0
  /** per user: the tail of their quota checks, run one after another */
  readonly #queues = new Map<string, Promise<void>>()

  constructor(limits: { maxConcurrentPerUser: number; maxConcurrent: number; quotaBytesPerUser: number }) {
    this.#maxConcurrent = limits.maxConcurrentPerUser
    this.#maxConcurrentTotal = limits.maxConcurrent
    this.#quotaBytes = limits.quotaBytesPerUser
  }

  /**
   * Starts an upload for `userId` (429 `rate_limited` when they have too many going, 503
   * `service.unavailable` when the instance has); call the answer when it ends.
   */
  enter(userId: string): () => void {
    if (this.#activeTotal >= this.#maxConcurrentTotal) {
      throw new AppError('service.unavailable', 'The server is busy with other uploads; retry in a moment.', {
        retryAfter: 2,
        details: { limit: 'upload-concurrency-instance', maxConcurrent: this.#maxConcurrentTotal, retryAfterSeconds: 2 },
      })
    }
    const active = this.#active.get(userId) ?? 0
    if (active >= this.#maxConcurrent) {
      throw new AppError('rate_limited', `At most ${this.#maxConcurrent} uploads at once; wait for one to finish.`, {
        retryAfter: 1,
        details: { limit: 'upload-concurrency', maxConcurrent: this.#maxConcurrent, retryAfterSeconds: 1 },
      })
    }
    this.#active.set(userId, active + 1)
    this.#activeTotal++
    let left = false
    return () => {
      if (left) return
      left = true
      this.#activeTotal--
      const n = (this.#active.get(userId) ?? 1) - 1
      if (n <= 0) this.#active.delete(userId)
      else this.#active.set(userId, n)
    }
  }

  /**
   * Runs `store` (which records the upload) if `bytes` more fit in the user's quota given
   * `usedBytes()` (else 422 `file.quota_exceeded`). A user's checks and stores run one at a
   * time in this process, so two parallel uploads cannot both slip under the quota.
   */
  async withinQuota<T>(userId: string, bytes: number, usedBytes: () => Promise<number>, store: () => Promise<T>): Promise<T> {
    if (this.#quotaBytes === 0) return store()
    const previous = this.#queues.get(userId) ?? Promise.resolve()
    const run = previous.then(async () => {
      this.check(userId, await usedBytes(), bytes)
      return store()
    })
    const tail = run.then(
      () => undefined,
      () => undefined,
    )
    this.#queues.set(userId, tail)
    try {
      return await run
    } finally {
      if (this.#queues.get(userId) === tail) this.#queues.delete(userId)
    }
  }

  /** 422 `file.quota_exceeded` unless `bytes` more fit beside `usedBytes` (with 0: unless the user is already at the quota). */
  check(userId: string, usedBytes: number, bytes: number): void {
    if (this.#quotaBytes === 0) return
    if (usedBytes + bytes > this.#quotaBytes || (bytes === 0 && usedBytes >= this.#quotaBytes)) {
      throw new AppError(
        'file.quota_exceeded',
        `Your uploads use ${usedBytes} of your ${this.#quotaBytes} bytes; this one needs ${bytes} more. Unused uploads are removed a day after upload; an administrator can raise files.quotaBytesPerUser.`,
        { details: { quotaBytes: this.#quotaBytes, usedBytes, uploadBytes: bytes } },
      )
    }
  }

  get quotaBytes(): number {
    return this.#quotaBytes
  }
}
