import type { WebSocket } from 'ws'
import type { ServerFrame } from '@jim/protocol'
import { CloseCode } from './close-codes.js'

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
  /** last pushed message seq per conversation, to drop duplicates */
  readonly lastSeq = new Map<string, number>()
  /** first message seq pushed live per conversation (what came before it only resume sends) */
  readonly firstSeq = new Map<string, number>()
  onClose: () => void = () => {}

  constructor(opts: { id: string; userId: string; sessionId: string; ws: WebSocket; maxQueued: number }) {
    this.id = opts.id
    this.userId = opts.userId
    this.sessionId = opts.sessionId
    this.#ws = opts.ws
    this.#maxQueued = opts.maxQueued
    opts.ws.once('close', () => {
      this.#closed = true
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

  /** Same as `send` for a frame already serialized (fan-out serializes once). */
  sendRaw(data: string): void {
    if (!this.isOpen) return
    if (this.#queued >= this.#maxQueued) {
      this.close(CloseCode.tooSlow, 'too slow')
      return
    }
    this.#queued++
    this.#ws.send(data, () => {
      this.#queued--
    })
  }

  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    try {
      this.#ws.close(code, reason)
    } catch {
      this.#ws.terminate()
    }
  }
}
