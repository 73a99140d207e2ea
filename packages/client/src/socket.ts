/**
 * The real-time link to JIM: one WebSocket, authenticated by a first `{type:"auth"}` frame,
 * one state machine (disconnected → connecting → connected), reconnected with capped
 * exponential backoff and jitter, kept alive by pings, and repaired after every gap: messages
 * reach listeners once each and in `seq` order per conversation (resume by seq and modSeq,
 * then history for what resume could not fill).
 *
 * No DOM or Node dependency: the WebSocket constructor and timers are injected (browsers and
 * Node 22 have a global WebSocket; on Node 20 pass `ws`).
 */
import type { ClientFrame, Message, ResumePosition, ServerFrame, ServerFrameOf } from '@jim/protocol'
import { backoffDelay, DEFAULT_BACKOFF, realTimers, type BackoffOptions, type Timers } from './backoff.js'
import { MessageSequencer } from './sequencer.js'

/** The part of a WebSocket this module uses (handler params are `any` so DOM and `ws` event types fit). */
/* eslint-disable @typescript-eslint/no-explicit-any -- DOM Event and `ws` event types differ */
export interface SocketLike {
  onopen: ((event: any) => void) | null
  onmessage: ((event: any) => void) | null
  onclose: ((event: any) => void) | null
  onerror: ((event: any) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type SocketFactory = (url: string) => SocketLike

/** The one connection state. `connecting` covers opening and authenticating. */
export type SocketState = 'disconnected' | 'connecting' | 'connected'

export type SocketEvent =
  /** the state changed; while disconnected and retrying, `retryAt` says when (epoch ms) */
  | { kind: 'state'; state: SocketState; retryAt: number | null; attempt: number; stopped: boolean }
  /** authenticated; `reconnected` is false only for the first connection after `start` */
  | { kind: 'ready'; frame: ServerFrameOf<'ready'>; reconnected: boolean }
  /** a new message, once, in seq order per conversation */
  | { kind: 'message'; message: Message }
  /** the client must page history itself for this conversation (too much missed, or a hole resume did not fill) */
  | { kind: 'repair'; conversationId: string; lastSeq: number | null }
  /** the session is gone: sign in again */
  | { kind: 'revoked'; reason: string }
  /** every other server frame */
  | { kind: 'frame'; frame: ServerFrame }

export interface SocketOptions {
  /** ws(s)://host/api/v1/ws */
  url: string
  /** makes a socket; default: `new WebSocket(url)` with the global constructor */
  factory?: SocketFactory
  timers?: Timers
  random?: () => number
  backoff?: BackoffOptions
  /** how long a hole may wait for `resume` before the client pages history (ms) */
  gapWaitMs?: number
  /** heartbeat when the server does not say (ms) */
  heartbeatMs?: number
  /** the last modSeq seen of a conversation, when the app tracks it itself (else the socket's own record) */
  modSeqOf?: (conversationId: string) => number | undefined
}

/** Close codes of the API contract. */
export const CloseCodes = { normal: 1000, goingAway: 1001, notAuthenticated: 4001 } as const

/** `new WebSocket(url)` with the global constructor (browsers, Node 22+). */
export function globalSocketFactory(): SocketFactory {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket
  if (!Ctor) throw new Error('No global WebSocket: pass a constructor, e.g. `WebSocket` from the "ws" package.')
  return (url) => new Ctor(url)
}

export class JimSocket {
  readonly sequencer = new MessageSequencer()
  readonly #o: Required<Omit<SocketOptions, 'modSeqOf' | 'factory'>> & {
    modSeqOf?: (conversationId: string) => number | undefined
    factory: SocketFactory | null
  }
  readonly #listeners = new Set<(event: SocketEvent) => void>()
  readonly #gapTimers = new Map<string, unknown>()
  /** the highest modSeq seen per conversation (edits and recalls), for `resume` */
  readonly #modSeqs = new Map<string, number>()
  #token: string | null = null
  #ws: SocketLike | null = null
  #state: SocketState = 'disconnected'
  #attempt = 0
  #retryTimer: unknown = null
  #retryAt: number | null = null
  #heartbeatTimer: unknown = null
  #heartbeatMs: number
  #lastFrameAt = 0
  #everReady = false
  #pingId = 0
  #ready: ServerFrameOf<'ready'> | null = null

  constructor(options: SocketOptions) {
    this.#o = {
      gapWaitMs: 3000,
      heartbeatMs: 25_000,
      ...options,
      factory: options.factory ?? null,
      timers: options.timers ?? realTimers,
      random: options.random ?? Math.random,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
    }
    this.#heartbeatMs = this.#o.heartbeatMs
  }

  get state(): SocketState {
    return this.#state
  }

  /** False once `stop` was called (or the session was revoked): no more reconnects. */
  get running(): boolean {
    return this.#token !== null
  }

  /** When the next reconnect attempt happens (epoch ms), while waiting for it. */
  get retryAt(): number | null {
    return this.#retryAt
  }

  /** The last `ready` frame: who we are and the server's limits. */
  get ready(): ServerFrameOf<'ready'> | null {
    return this.#ready
  }

  subscribe(listener: (event: SocketEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Connects with this token and keeps reconnecting until `stop`. */
  start(token: string): void {
    this.#token = token
    this.#everReady = false
    this.#attempt = 0
    this.#clearRetry()
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
    this.#setState('disconnected')
  }

  /** Stops and forgets every position and modSeq: what comes next may be another user's session. */
  reset(): void {
    this.stop()
    this.sequencer.clear()
    this.#modSeqs.clear()
    this.#ready = null
  }

  /** Skips the wait (the user pressed "retry", or the network came back). */
  reconnectNow(): void {
    if (!this.#token || this.#state !== 'disconnected') return
    this.#clearRetry()
    this.#connect()
  }

  /** Sends a frame if the socket is connected; false otherwise. */
  send(frame: ClientFrame): boolean {
    if (this.#state !== 'connected' || !this.#ws) return false
    try {
      this.#ws.send(JSON.stringify(frame))
      return true
    } catch {
      return false
    }
  }

  /** Starts tracking a conversation (from the conversation list) at its last seq and modSeq. */
  seed(conversationId: string, lastSeq: number, modSeq?: number): void {
    this.sequencer.seed(conversationId, lastSeq)
    if (modSeq !== undefined) this.#noteModSeq(conversationId, modSeq)
  }

  /** Asks the server for everything after our positions (all conversations, or these). */
  resume(conversationIds?: string[]): boolean {
    const all = this.sequencer.positions()
    const ids = conversationIds ? conversationIds.filter((id) => id in all) : Object.keys(all)
    if (ids.length === 0) return false
    const positions: Record<string, ResumePosition> = {}
    for (const id of ids) {
      const seq = all[id]!
      const modSeq = this.#o.modSeqOf ? this.#o.modSeqOf(id) : this.#modSeqs.get(id)
      positions[id] = typeof modSeq === 'number' && modSeq >= 0 ? { seq, modSeq } : seq
    }
    return this.send({ type: 'resume', positions })
  }

  /** History filled a conversation up to `seq`: delivers buffered followers. */
  advance(conversationId: string, seq: number): void {
    for (const m of this.sequencer.advance(conversationId, seq)) this.#emit({ kind: 'message', message: m })
    if (!this.sequencer.hasGap(conversationId)) this.#clearGap(conversationId)
  }

  /** A message learnt another way (an HTTP send's answer, an ack): delivered once, in order, like a push. */
  accept(message: Message): void {
    const result = this.sequencer.accept(message)
    for (const m of result.deliver) this.#emit({ kind: 'message', message: m })
    if (result.gapFrom !== null) this.#waitForGap(message.conversationId, result.gapFrom)
    else if (!this.sequencer.hasGap(message.conversationId)) this.#clearGap(message.conversationId)
  }

  #connect(): void {
    if (!this.#token) return
    this.#setState('connecting')
    let ws: SocketLike
    try {
      ws = (this.#o.factory ?? globalSocketFactory())(this.#o.url)
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
        this.#ready = frame
        this.#heartbeatMs = frame.heartbeatSeconds > 0 ? frame.heartbeatSeconds * 1000 : this.#o.heartbeatMs
        this.#setState('connected')
        this.#startHeartbeat()
        this.#emit({ kind: 'ready', frame, reconnected })
        this.resume()
        return
      }
      case 'message.created':
        if (frame.message && typeof frame.message.conversationId === 'string' && typeof frame.message.seq === 'number') {
          this.accept(frame.message)
        }
        return
      case 'message.updated':
      case 'message.recalled':
      case 'message.reaction':
        this.#noteModSeq(frame.message.conversationId, frame.message.modSeq)
        this.#emit({ kind: 'frame', frame })
        return
      case 'conversation.updated':
        this.#noteModSeq(frame.conversation.id, frame.conversation.modSeq)
        this.#emit({ kind: 'frame', frame })
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

  #noteModSeq(conversationId: string, modSeq: number): void {
    const known = this.#modSeqs.get(conversationId)
    if (typeof modSeq === 'number' && (known === undefined || modSeq > known)) this.#modSeqs.set(conversationId, modSeq)
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
    if (!this.#token) return this.#setState('disconnected')
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
    this.#setState('disconnected')
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
      if (!ws || this.#state !== 'connected') return
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

  #setState(state: SocketState): void {
    this.#state = state
    this.#emit({ kind: 'state', state, retryAt: this.#retryAt, attempt: this.#attempt, stopped: this.#token === null })
  }

  #emit(event: SocketEvent): void {
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
