import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { AppError } from '../errors.js'

/** zxcvbn's verdict on a password. */
export interface PasswordScore {
  /** 0 (guessed at once) to 4 (very hard to guess) */
  score: number
  warning: string
  suggestions: string[]
}

export interface StrengthWorkerOptions {
  /** the worker ends after this long without a check, giving its memory back */
  idleMs: number
  /** a check waits at most this long (loading the dictionaries takes ~0.3 s) */
  checkTimeoutMs: number
  /** checks waiting beyond this are refused with `auth.busy` (each costs the worker a few ms) */
  maxWaiting: number
}

/**
 * zxcvbn's dictionaries take ~20 MiB of heap (~40 MiB of RSS) once loaded, for a check that runs only
 * when somebody picks a password. They live in one worker thread per process, started by the first
 * check and ended after a minute without one: a server holds them around registrations and password
 * changes only, and a long check never holds the event loop either.
 */
export class StrengthWorker {
  readonly #o: StrengthWorkerOptions
  #worker: Worker | null = null
  #nextId = 0
  readonly #waiting = new Map<number, { resolve: (s: PasswordScore) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  #idle: NodeJS.Timeout | null = null

  constructor(options: StrengthWorkerOptions) {
    this.#o = options
  }

  score(password: string, userInputs: string[]): Promise<PasswordScore> {
    if (this.#waiting.size >= this.#o.maxWaiting) return Promise.reject(new AppError('auth.busy', undefined, { retryAfter: 1 }))
    const worker = this.#start()
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error('the password strength check timed out')), this.#o.checkTimeoutMs)
      this.#waiting.set(id, { resolve, reject, timer })
      worker.postMessage({ id, password, userInputs })
    })
  }

  #start(): Worker {
    if (this.#idle) clearTimeout(this.#idle)
    this.#idle = null
    if (this.#worker) return this.#worker
    const require = createRequire(import.meta.url)
    const modules = ['@zxcvbn-ts/core', '@zxcvbn-ts/language-common', '@zxcvbn-ts/language-en'].map((m) => require.resolve(m))
    // an eval'd CommonJS worker: runs the same from dist/ and from the TypeScript sources in tests
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { modules } })
    worker.unref()
    worker.on('message', (m: { id: number } & PasswordScore) => this.#answer(m))
    worker.on('error', (err) => this.#fail(err))
    worker.on('exit', () => {
      if (this.#worker === worker) this.#fail(new Error('the password strength worker stopped'))
    })
    this.#worker = worker
    return worker
  }

  #answer({ id, ...score }: { id: number } & PasswordScore): void {
    const waiting = this.#waiting.get(id)
    if (!waiting) return
    this.#waiting.delete(id)
    clearTimeout(waiting.timer)
    waiting.resolve(score)
    if (this.#waiting.size === 0) this.#idle = setTimeout(() => this.#stop(), this.#o.idleMs).unref()
  }

  /** Rejects every waiting check and drops the worker: the next check starts a new one. */
  #fail(err: Error): void {
    const waiting = [...this.#waiting.values()]
    this.#waiting.clear()
    this.#stop()
    for (const w of waiting) {
      clearTimeout(w.timer)
      w.reject(err)
    }
  }

  #stop(): void {
    const worker = this.#worker
    this.#worker = null
    if (this.#idle) clearTimeout(this.#idle)
    this.#idle = null
    if (worker) void worker.terminate()
  }

  /** whether the dictionaries are loaded now (for tests) */
  get running(): boolean {
    return this.#worker !== null
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const [core, common, en] = workerData.modules.map((m) => require(m))
core.zxcvbnOptions.setOptions({
  dictionary: { ...common.dictionary, ...en.dictionary },
  graphs: common.adjacencyGraphs,
  translations: en.translations,
})
parentPort.on('message', ({ id, password, userInputs }) => {
  const { score, feedback } = core.zxcvbn(password, userInputs)
  parentPort.postMessage({ id, score, warning: feedback.warning || '', suggestions: feedback.suggestions })
})
`

/** The process's password strength checker (one worker however many apps a process runs). */
export const passwordStrength = new StrengthWorker({ idleMs: 60_000, checkTimeoutMs: 10_000, maxWaiting: 100 })
