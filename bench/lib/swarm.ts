import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { SwarmCommand } from './socket-swarm.js'
import type { LatencySummary } from './stats.js'

/** Open files a socket-holding process may have here (the hard limit of this machine). */
export const FD_LIMIT = 20_000

type Report = {
  expected: number
  delivered: number
  missing: number
  gaps: number
  duplicates: number
  unexpected: number
  exactlyOnce: boolean
  frames: number
  frameBytes: number
  otherFrames: number
  /** frames of the type given to `arm` */
  typeFrames: number
  closedEarly: number
  firstAt: number
  lastAt: number
  latencyMs: LatencySummary
}

type Payload<C extends SwarmCommand['cmd']> = Omit<Extract<SwarmCommand, { cmd: C }>, 'cmd'>

/**
 * A child process holding many WebSockets (bench/lib/socket-swarm.ts), started under a raised
 * open-file limit so thousands of sockets fit, whatever the runner's own soft limit is.
 */
export class Swarm {
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>()
  #next = 0

  private constructor(child: ChildProcess) {
    this.#child = child
    child.on('message', (m: { id: number; ok: boolean; answer?: unknown; error?: string }) => {
      const p = this.#pending.get(m.id)
      this.#pending.delete(m.id)
      if (m.ok) p?.resolve(m.answer)
      else p?.reject(new Error(`swarm: ${m.error}`))
    })
    child.on('exit', () => {
      for (const p of this.#pending.values()) p.reject(new Error('swarm process exited'))
      this.#pending.clear()
    })
  }

  static start(): Swarm {
    const entry = fileURLToPath(new URL('./socket-swarm.ts', import.meta.url))
    const child = spawn(
      'bash',
      ['-c', `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n $(ulimit -Hn); exec "$0" --import tsx "$1"`, process.execPath, entry],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    )
    return new Swarm(child)
  }

  get pid(): number {
    return this.#child.pid!
  }

  #call<T>(cmd: SwarmCommand): Promise<T> {
    const id = ++this.#next
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#child.send({ ...cmd, id })
    })
  }

  /** Opens one socket per token (null: no Authorization header), waiting for `readyType` frames if given. */
  open(o: Payload<'open'>) {
    return this.#call<{ opened: number; failed: number; firstError?: string; ms: number }>({ cmd: 'open', ...o })
  }

  /**
   * Starts counting marked frames from now (message ids are expected below `capacity`; it grows if
   * not), and frames of type `countType` if given.
   */
  arm(capacity: number, countType?: string) {
    return this.#call<{ sockets: number }>({ cmd: 'arm', capacity, countType })
  }

  /** Counts since `arm`, checked against messages 0 … sent-1 for every socket. */
  report(sent: number, unacknowledged: number[] = []) {
    return this.#call<Report>({ cmd: 'report', sent, unacknowledged })
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return
    const exited = new Promise((r) => this.#child.once('exit', r))
    await this.#call({ cmd: 'close' }).catch(() => {})
    await exited
  }
}
