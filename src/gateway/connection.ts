import type { WebSocket } from 'ws'
import type { ServerFrame } from '@jim/protocol'
import { CloseCode } from './close-codes.js'
import { directSocketOf, textFrameOf, textFrameOfString } from './prebuilt-frame.js'

/** every frame is JSON text, also when handed over already encoded as a Buffer */
const TEXT_FRAME = { binary: false }

/**
 * One authenticated socket. Outbound frames are counted until `ws` has written them; a socket
 * that lets more than `maxQueued` pile up is a slow consumer and is closed with 4008 rather
 * than growing memory without bound.
 */
export class Connection {
  readonly id: string
  readonly userId: string
  readonly sessionId: string
  readonly #ws: WebSocket
  readonly #maxQueued: number
  #queued = 0
  #closed = false
  /** nested holds (resumes in progress) and the live frames they hold back; null when none */
  #holds = 0
  #held: Array<string | Buffer> | null = null
  #waiters: Array<{ frames: number; resolve: () => void }> | null = null
  /** last pushed message seq per conversation, to drop duplicates */
  readonly lastSeq = new Map<string, number>()
  /** first message seq pushed live per conversation (what came before it only resume sends) */
  readonly firstSeq = new Map<string, number>()
  /** when the socket was accepted: a fresh socket is owed, live, what was stored from then on */
  readonly connectedAt = Date.now()
  onClose: () => void = () => {}

  constructor(opts: { id: string; userId: string; sessionId: string; ws: WebSocket; maxQueued: number }) {
    this.id = opts.id
    this.userId = opts.userId
    this.sessionId = opts.sessionId
    this.#ws = opts.ws
    this.#maxQueued = opts.maxQueued
    opts.ws.once('close', () => {
      this.#closed = true
      this.#held = null
      this.#wake(true)
      this.onClose()
    })
  }

  get isOpen(): boolean {
    return !this.#closed && this.#ws.readyState === this.#ws.OPEN
  }

  /** Queues a frame of the wire contract; closes the socket with 4008 when the queue is full. */
  send(frame: ServerFrame): void {
    this.sendRaw(JSON.stringify(frame))
  }

  /**
   * Same as `send` for a frame already serialized (fan-out serializes once, to a Buffer that every
   * recipient's socket writes as is). While the socket resumes (see `hold`), live frames wait, in
   * order, within the same bound.
   */
  sendRaw(data: string | Buffer): void {
    if (this.#held !== null) {
      if (!this.isOpen) return
      if (this.#held.length + this.#queued >= this.#maxQueued) return this.close(CloseCode.tooSlow, 'too slow')
      this.#held.push(data)
      return
    }
    this.#write(data)
  }

  /** Sends past a hold: the replay of a resume and its replies. */
  sendNow(frame: ServerFrame): void {
    this.#write(JSON.stringify(frame))
  }

  /** Holds live frames until `release`, so a resuming socket gets its replay before anything newer. */
  hold(): void {
    this.#holds++
    this.#held ??= []
  }

  /** Ends one hold; the last one sends what was held, in arrival order. */
  release(): void {
    if (this.#holds === 0 || --this.#holds > 0) return
    const held = this.#held ?? []
    this.#held = null
    for (const data of held) this.#write(data)
  }

  /**
   * Resolves once at most `frames` frames wait to be written (or the socket closed): long
   * replays send in pages and wait here instead of overflowing the queue.
   */
  writable(frames: number): Promise<void> {
    if (this.#queued <= frames || !this.isOpen) return Promise.resolve()
    return new Promise((resolve) => (this.#waiters ??= []).push({ frames, resolve }))
  }

  #write(data: string | Buffer): void {
    if (!this.isOpen) return
    if (this.#queued >= this.#maxQueued) {
      this.close(CloseCode.tooSlow, 'too slow')
      return
    }
    this.#queued++
    // written as one prebuilt frame when `ws` allows (a shared fan-out Buffer's frame is built once)
    const direct = directSocketOf(this.#ws)
    if (direct === null) this.#ws.send(data, TEXT_FRAME, this.#written)
    else direct.write(typeof data === 'string' ? textFrameOfString(data) : textFrameOf(data), this.#written)
  }

  /** one callback for every write (no closure per frame) */
  readonly #written = (): void => {
    this.#queued--
    if (this.#waiters !== null) this.#wake(false)
  }

  #wake(all: boolean): void {
    const waiters = this.#waiters ?? []
    const left = waiters.filter((w) => (all || this.#queued <= w.frames ? (w.resolve(), false) : true))
    this.#waiters = left.length > 0 ? left : null
  }

  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#held = null
    this.#wake(true)
    try {
      this.#ws.close(code, reason)
    } catch {
      this.#ws.terminate()
    }
  }
}
