/**
 * The real-time link to JIM: one WebSocket, authenticated by a first `{type:"auth"}` frame,
 * reconnected with capped exponential backoff and jitter, and repaired after every gap:
 * messages reach listeners once each and in `seq` order per conversation.
 *
 * Plain TypeScript with no DOM or React dependency (the WebSocket constructor and timers are
 * injected), so node tests can drive it with a fake socket.
 */
import type { ClientFrame, Message, ResumePosition, ServerFrame } from './types.js'

// ---------------------------------------------------------------- backoff

export interface BackoffOptions {
  /** ceiling of the first retry */
  baseMs: number
  /** no retry waits longer than this */
  maxMs: number
  factor: number
  /** 0..1: share of the ceiling that is randomised (0.5: waits between half and all of it) */
  jitter: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000, factor: 2, jitter: 0.5 }

/**
 * How long to wait before reconnect attempt `attempt` (0 = the first retry): the ceiling grows
 * `baseMs * factor^attempt` up to `maxMs`; the wait is drawn from `[ceiling*(1-jitter), ceiling]`
 * so a server restart is not met by every client at the same instant.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * Math.pow(options.factor, Math.max(0, attempt)))
  const floor = ceiling * (1 - Math.min(1, Math.max(0, options.jitter)))
  const r = Math.min(1, Math.max(0, random()))
  return Math.round(floor + r * (ceiling - floor))
}

// ---------------------------------------------------------------- sequencing

export interface AcceptResult {
  /** messages now deliverable, in seq order (the accepted one and any buffered successors) */
  deliver: Message[]
  /** the message was already delivered or is already waiting */
  duplicate: boolean
  /** set when the message left a hole: resume this conversation from this seq */
  gapFrom: number | null
}

/**
 * Per conversation, the last seq delivered in order (`position`). A message at `position+1`
 * is delivered (with any buffered followers), one at or below it is a duplicate, one further
 * ahead waits in a bounded buffer while the hole is filled (by `resume`, or by history).
 */
export class MessageSequencer {
  static readonly MAX_BUFFERED = 1000
  readonly #positions = new Map<string, number>()
  readonly #buffers = new Map<string, Map<number, Message>>()

  position(conversationId: string): number | undefined {
    return this.#positions.get(conversationId)
  }

  /** Every known position, as `resume` wants them. */
  positions(): Record<string, number> {
    return Object.fromEntries(this.#positions)
  }

  /** Starts tracking a conversation at `seq` (from the conversation list); a known one keeps its position. */
  seed(conversationId: string, seq: number): void {
    if (!this.#positions.has(conversationId)) this.#positions.set(conversationId, seq)
  }

  /** Stops tracking a conversation (left or dissolved). */
  forget(conversationId: string): void {
    this.#positions.delete(conversationId)
    this.#buffers.delete(conversationId)
  }

  hasGap(conversationId: string): boolean {
    return (this.#buffers.get(conversationId)?.size ?? 0) > 0
  }

  accept(message: Message): AcceptResult {
    const id = message.conversationId
    const position = this.#positions.get(id)
    if (position === undefined) {
      // a conversation we did not list yet (new friend, new group): start here
      this.#positions.set(id, message.seq)
      return { deliver: [message, ...this.#flush(id)], duplicate: false, gapFrom: null }
    }
    if (message.seq <= position) return { deliver: [], duplicate: true, gapFrom: null }
    if (message.seq === position + 1) {
      this.#positions.set(id, message.seq)
      return { deliver: [message, ...this.#flush(id)], duplicate: false, gapFrom: null }
    }
    let buffer = this.#buffers.get(id)
    if (!buffer) this.#buffers.set(id, (buffer = new Map()))
    if (buffer.has(message.seq)) return { deliver: [], duplicate: true, gapFrom: position }
    if (buffer.size < MessageSequencer.MAX_BUFFERED) buffer.set(message.seq, message)
    return { deliver: [], duplicate: false, gapFrom: position }
  }

  /**
   * History filled everything up to `seq` (or replaced what the client shows): moves the
   * position there, drops buffered messages at or below it and returns buffered followers
   * that are now in order.
   */
  advance(conversationId: string, seq: number): Message[] {
    const position = this.#positions.get(conversationId)
    if (position === undefined || seq > position) this.#positions.set(conversationId, seq)
    return this.#flush(conversationId)
  }

  #flush(id: string): Message[] {
    const buffer = this.#buffers.get(id)
    if (!buffer) return []
    let position = this.#positions.get(id) ?? 0
    for (const seq of [...buffer.keys()]) if (seq <= position) buffer.delete(seq)
    const out: Message[] = []
    for (let next = buffer.get(position + 1); next; next = buffer.get(position + 1)) {
      buffer.delete(next.seq)
      out.push(next)
      position = next.seq
    }
    this.#positions.set(id, position)
    if (buffer.size === 0) this.#buffers.delete(id)
    return out
  }
}

// ---------------------------------------------------------------- the socket

/** The part of the browser WebSocket this module uses (handler params are `any` so the DOM's Event types fit). */
export interface SocketLike {
  onopen: ((event: any) => void) | null
  onmessage: ((event: any) => void) | null
  onclose: ((event: any) => void) | null
  onerror: ((event: any) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

export type SocketFactory = (url: string) => SocketLike

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  now(): number
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
}

export type SocketStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export type ChatSocketEvent =
  | { kind: 'status'; status: SocketStatus; retryAt: number | null; attempt: number }
  /** authenticated; `reconnected` is false only for the first connection after `start` */
  | { kind: 'ready'; frame: Extract<ServerFrame, { type: 'ready' }>; reconnected: boolean }
  /** a new message, once, in seq order per conversation */
  | { kind: 'message'; message: Message }
  /** the client must page history itself for this conversation (too much missed, or a hole resume did not fill) */
  | { kind: 'repair'; conversationId: string; lastSeq: number | null }
  /** the session is gone: sign in again */
  | { kind: 'revoked'; reason: string }
  /** every other server frame */
  | { kind: 'frame'; frame: ServerFrame }

export interface ChatSocketOptions {
  url: string
  factory: SocketFactory
  timers?: Timers
  random?: () => number
  backoff?: BackoffOptions
  /** how long a hole may wait for `resume` before the client pages history (ms) */
  gapWaitMs?: number
  /** heartbeat when the server does not say (ms) */
  heartbeatMs?: number
  /** the last modSeq seen of a conversation: `resume` then asks for edits and recalls since too */
  modSeqOf?: (conversationId: string) => number | undefined
}

/** Close codes from the API contract. */
export const CloseCodes = { normal: 1000, goingAway: 1001, notAuthenticated: 4001 } as const

export class ChatSocket {
  readonly sequencer = new MessageSequencer()
  readonly #o: Required<Omit<ChatSocketOptions, 'timers' | 'random' | 'backoff' | 'modSeqOf'>> & {
    modSeqOf?: (conversationId: string) => number | undefined
    timers: Timers
    random: () => number
    backoff: BackoffOptions
  }
  readonly #listeners = new Set<(event: ChatSocketEvent) => void>()
  readonly #gapTimers = new Map<string, unknown>()
  #token: string | null = null
  #ws: SocketLike | null = null
  #status: SocketStatus = 'idle'
  #attempt = 0
  #retryTimer: unknown = null
  #retryAt: number | null = null
  #heartbeatTimer: unknown = null
  #heartbeatMs: number
  #lastFrameAt = 0
  #everReady = false
  #pingId = 0

  constructor(options: ChatSocketOptions) {
    this.#o = {
      gapWaitMs: 3000,
      heartbeatMs: 25_000,
      ...options,
      timers: options.timers ?? realTimers,
      random: options.random ?? Math.random,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
    }
    this.#heartbeatMs = this.#o.heartbeatMs
  }

  get status(): SocketStatus {
    return this.#status
  }

  /** When the next reconnect attempt happens (epoch ms), while reconnecting. */
  get retryAt(): number | null {
    return this.#retryAt
  }

  subscribe(listener: (event: ChatSocketEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Connects with this token and keeps reconnecting until `stop`. */
  start(token: string): void {
    this.#token = token
    this.#everReady = false
    this.#attempt = 0
    this.#connect()
  }

  /** Closes for good (logout, revoked). */
  stop(): void {
    this.#token = null
    this.#clearRetry()
    this.#stopHeartbeat()
    for (const t of this.#gapTimers.values()) this.#o.timers.clearTimeout(t)
    this.#gapTimers.clear()
    const ws = this.#ws
    this.#ws = null
    if (ws) {
      detach(ws)
      try {
        ws.close(CloseCodes.normal, 'bye')
      } catch {
        // already closed
      }
    }
    this.#setStatus('closed')
  }

  /** Skips the wait (the user pressed "retry", or the browser came back online). */
  reconnectNow(): void {
    if (!this.#token || this.#status === 'open' || this.#status === 'connecting') return
    this.#clearRetry()
    this.#connect()
  }

  /** Sends a frame if the socket is authenticated; false otherwise. */
  send(frame: ClientFrame): boolean {
    if (this.#status !== 'open' || !this.#ws) return false
    try {
      this.#ws.send(JSON.stringify(frame))
      return true
    } catch {
      return false
    }
  }

  /** Asks the server for everything after our positions (all conversations, or these). */
  resume(conversationIds?: string[]): boolean {
    const all = this.sequencer.positions()
    const positions = conversationIds ? Object.fromEntries(conversationIds.filter((id) => id in all).map((id) => [id, all[id]!])) : all
    if (Object.keys(positions).length === 0) return false
    return this.send({ type: 'resume', positions: this.#withModSeq(positions) })
  }

  #withModSeq(positions: Record<string, number>): Record<string, ResumePosition> {
    const modSeqOf = this.#o.modSeqOf
    if (!modSeqOf) return positions
    const out: Record<string, ResumePosition> = {}
    for (const [id, seq] of Object.entries(positions)) {
      const modSeq = modSeqOf(id)
      out[id] = typeof modSeq === 'number' && modSeq > 0 ? { seq, modSeq } : seq
    }
    return out
  }

  /** History filled a conversation up to `seq`: delivers buffered followers. */
  advance(conversationId: string, seq: number): void {
    for (const m of this.sequencer.advance(conversationId, seq)) this.#emit({ kind: 'message', message: m })
    if (!this.sequencer.hasGap(conversationId)) this.#clearGap(conversationId)
  }

  #connect(): void {
    if (!this.#token) return
    this.#setStatus(this.#everReady || this.#attempt > 0 ? 'reconnecting' : 'connecting')
    let ws: SocketLike
    try {
      ws = this.#o.factory(this.#o.url)
    } catch {
      this.#scheduleReconnect()
      return
    }
    this.#ws = ws
    const token = this.#token
    ws.onopen = () => {
      try {
        ws.send(JSON.stringify({ type: 'auth', token } satisfies ClientFrame))
      } catch {
        // onclose follows
      }
    }
    ws.onmessage = (event: { data: unknown }) => this.#onData(ws, event.data)
    ws.onerror = () => {}
    ws.onclose = (event: { code: number }) => this.#onClosed(ws, event.code)
  }

  #onData(ws: SocketLike, data: unknown): void {
    if (ws !== this.#ws) return
    this.#lastFrameAt = this.#o.timers.now()
    let frame: ServerFrame
    try {
      frame = JSON.parse(String(data)) as ServerFrame
    } catch {
      return
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return
    switch (frame.type) {
      case 'ready': {
        const reconnected = this.#everReady
        this.#everReady = true
        this.#attempt = 0
        this.#heartbeatMs = frame.heartbeatSeconds > 0 ? frame.heartbeatSeconds * 1000 : this.#o.heartbeatMs
        this.#setStatus('open')
        this.#startHeartbeat()
        this.#emit({ kind: 'ready', frame, reconnected })
        this.resume()
        return
      }
      case 'message.created':
        this.#onMessage(frame.message)
        return
      case 'sync':
        this.resume()
        return
      case 'resumed':
        // whatever resume could not fill, history will
        for (const id of [...this.#gapTimers.keys()]) {
          this.#clearGap(id)
          if (this.sequencer.hasGap(id)) this.#emit({ kind: 'repair', conversationId: id, lastSeq: null })
        }
        this.#emit({ kind: 'frame', frame })
        return
      case 'resync_required':
        this.#clearGap(frame.conversationId)
        this.#emit({ kind: 'repair', conversationId: frame.conversationId, lastSeq: frame.lastSeq ?? null })
        return
      case 'session.revoked':
        this.stop()
        this.#emit({ kind: 'revoked', reason: frame.reason })
        return
      case 'pong':
        return
      default:
        this.#emit({ kind: 'frame', frame })
    }
  }

  #onMessage(message: Message): void {
    if (!message || typeof message.conversationId !== 'string' || typeof message.seq !== 'number') return
    const result = this.sequencer.accept(message)
    for (const m of result.deliver) this.#emit({ kind: 'message', message: m })
    if (result.gapFrom !== null) this.#waitForGap(message.conversationId, result.gapFrom)
    else if (!this.sequencer.hasGap(message.conversationId)) this.#clearGap(message.conversationId)
  }

  /** A hole: ask the server to resend from our position; if it has not arrived soon, page history. */
  #waitForGap(conversationId: string, from: number): void {
    if (this.#gapTimers.has(conversationId)) return
    this.send({ type: 'resume', positions: { [conversationId]: from } })
    const timer = this.#o.timers.setTimeout(() => {
      this.#gapTimers.delete(conversationId)
      if (this.sequencer.hasGap(conversationId)) this.#emit({ kind: 'repair', conversationId, lastSeq: null })
    }, this.#o.gapWaitMs)
    this.#gapTimers.set(conversationId, timer)
  }

  #clearGap(conversationId: string): void {
    const t = this.#gapTimers.get(conversationId)
    if (t !== undefined) this.#o.timers.clearTimeout(t)
    this.#gapTimers.delete(conversationId)
  }

  #onClosed(ws: SocketLike, code: number): void {
    if (ws !== this.#ws) return
    detach(ws)
    this.#ws = null
    this.#stopHeartbeat()
    for (const id of [...this.#gapTimers.keys()]) this.#clearGap(id)
    if (!this.#token) return this.#setStatus('closed')
    if (code === CloseCodes.notAuthenticated) {
      this.stop()
      this.#emit({ kind: 'revoked', reason: 'not_authenticated' })
      return
    }
    this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    this.#clearRetry()
    const delay = backoffDelay(this.#attempt, this.#o.backoff, this.#o.random)
    this.#attempt++
    this.#retryAt = this.#o.timers.now() + delay
    this.#retryTimer = this.#o.timers.setTimeout(() => {
      this.#retryTimer = null
      this.#retryAt = null
      this.#connect()
    }, delay)
    this.#setStatus('reconnecting')
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) this.#o.timers.clearTimeout(this.#retryTimer)
    this.#retryTimer = null
    this.#retryAt = null
  }

  /** Pings on a timer; a link silent for 2.5 heartbeats is treated as dead and replaced. */
  #startHeartbeat(): void {
    this.#stopHeartbeat()
    const tick = () => {
      const ws = this.#ws
      if (!ws || this.#status !== 'open') return
      if (this.#o.timers.now() - this.#lastFrameAt > this.#heartbeatMs * 2.5) {
        try {
          ws.close(4000, 'heartbeat timeout')
        } catch {
          // ignore
        }
        this.#onClosed(ws, 4000)
        return
      }
      this.send({ type: 'ping', id: ++this.#pingId })
      this.#heartbeatTimer = this.#o.timers.setTimeout(tick, this.#heartbeatMs)
    }
    this.#heartbeatTimer = this.#o.timers.setTimeout(tick, this.#heartbeatMs)
  }

  #stopHeartbeat(): void {
    if (this.#heartbeatTimer !== null) this.#o.timers.clearTimeout(this.#heartbeatTimer)
    this.#heartbeatTimer = null
  }

  #setStatus(status: SocketStatus): void {
    this.#status = status
    this.#emit({ kind: 'status', status, retryAt: this.#retryAt, attempt: this.#attempt })
  }

  #emit(event: ChatSocketEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(event)
      } catch (err) {
        console.error('socket listener failed', err)
      }
    }
  }
}

function detach(ws: SocketLike): void {
  ws.onopen = null
  ws.onmessage = null
  ws.onclose = null
  ws.onerror = null
}
