/**
 * The real-time link to JIM: one WebSocket, authenticated by a first `{type:"auth"}` frame,
 * one state machine (disconnected → connecting → connected), reconnected with capped
 * exponential backoff and jitter (reconnect.ts), kept alive by pings (heartbeat.ts), and
 * repaired after every gap (gap-repair.ts): messages reach listeners once each and in `seq`
 * order per conversation (resume by seq and modSeq, then history for what resume could not fill).
 *
 * No DOM or Node dependency: the WebSocket constructor and timers are injected (browsers and
 * Node 22 have a global WebSocket; on Node 20 pass `ws`).
 */
import type { ClientFrame, Message, ServerFrame, ServerFrameOf } from '@jim/protocol'
import { DEFAULT_BACKOFF, realTimers, type Timers } from './backoff.js'
import { GapRepair } from './gap-repair.js'
import { Heartbeat } from './heartbeat.js'
import { ReconnectSchedule } from './reconnect.js'
import type { MessageSequencer } from './sequencer.js'
import {
  closeQuietly,
  CloseCodes,
  detach,
  globalSocketFactory,
  type SocketEvent,
  type SocketFactory,
  type SocketLike,
  type SocketOptions,
  type SocketState,
} from './socket-link.js'

export * from './socket-link.js'

export class JimSocket {
  readonly #url: string
  readonly #factory: SocketFactory | null
  readonly #timers: Timers
  readonly #defaultHeartbeatMs: number
  readonly #listeners = new Set<(event: SocketEvent) => void>()
  readonly #repair: GapRepair
  readonly #retry: ReconnectSchedule
  readonly #heartbeat: Heartbeat
  #token: string | null = null
  #ws: SocketLike | null = null
  #state: SocketState = 'disconnected'
  #everReady = false
  #pingId = 0
  #ready: ServerFrameOf<'ready'> | null = null

  constructor(options: SocketOptions) {
    this.#url = options.url
    this.#factory = options.factory ?? null
    this.#timers = options.timers ?? realTimers
    this.#defaultHeartbeatMs = options.heartbeatMs ?? 25_000
    this.#repair = new GapRepair({
      timers: this.#timers,
      gapWaitMs: options.gapWaitMs ?? 3000,
      modSeqOf: options.modSeqOf,
      send: (frame) => this.send(frame),
      emit: (event) => this.#emit(event),
    })
    this.#retry = new ReconnectSchedule({
      timers: this.#timers,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      random: options.random ?? Math.random,
    })
    this.#heartbeat = new Heartbeat({
      timers: this.#timers,
      ping: () => this.send({ type: 'ping', id: ++this.#pingId }),
      onDead: () => this.#linkDead(),
    })
  }

  /** Per conversation: the last seq delivered, and messages held back behind a hole. */
  get sequencer(): MessageSequencer {
    return this.#repair.sequencer
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
    return this.#retry.retryAt
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
    this.#retry.resetAttempts()
    this.#retry.cancel()
    this.#connect()
  }

  /** Closes for good (logout, revoked). */
  stop(): void {
    this.#token = null
    this.#retry.cancel()
    this.#heartbeat.stop()
    this.#repair.cancelWaits()
    const ws = this.#ws
    this.#ws = null
    if (ws) {
      detach(ws)
      closeQuietly(ws, CloseCodes.normal, 'bye')
    }
    this.#setState('disconnected')
  }

  /** Stops and forgets every position and modSeq: what comes next may be another user's session. */
  reset(): void {
    this.stop()
    this.#repair.clear()
    this.#ready = null
  }

  /** Skips the wait (the user pressed "retry", or the network came back). */
  reconnectNow(): void {
    if (!this.#token || this.#state !== 'disconnected') return
    this.#retry.cancel()
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
    this.#repair.seed(conversationId, lastSeq, modSeq)
  }

  /** Asks the server for everything after our positions (all conversations, or these). */
  resume(conversationIds?: string[]): boolean {
    return this.#repair.resume(conversationIds)
  }

  /** History filled a conversation up to `seq`: delivers buffered followers. */
  advance(conversationId: string, seq: number): void {
    this.#repair.advance(conversationId, seq)
  }

  /** A message learnt another way (an HTTP send's answer, an ack): delivered once, in order, like a push. */
  accept(message: Message): void {
    this.#repair.accept(message)
  }

  #connect(): void {
    if (!this.#token) return
    this.#setState('connecting')
    let ws: SocketLike
    try {
      ws = (this.#factory ?? globalSocketFactory())(this.#url)
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
    this.#heartbeat.heard()
    let frame: ServerFrame
    try {
      frame = JSON.parse(String(data)) as ServerFrame
    } catch {
      return
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return
    switch (frame.type) {
      case 'ready':
        return this.#onReady(frame)
      case 'message.created':
        if (frame.message && typeof frame.message.conversationId === 'string' && typeof frame.message.seq === 'number') {
          this.#repair.accept(frame.message)
        }
        return
      case 'message.updated':
      case 'message.recalled':
      case 'message.reaction':
        this.#repair.noteModSeq(frame.message.conversationId, frame.message.modSeq)
        return this.#emit({ kind: 'frame', frame })
      case 'message.hidden':
        this.#repair.noteModSeq(frame.conversationId, frame.modSeq)
        return this.#emit({ kind: 'frame', frame })
      case 'conversation.updated':
        this.#repair.noteModSeq(frame.conversation.id, frame.conversation.modSeq)
        return this.#emit({ kind: 'frame', frame })
      case 'sync':
        this.resume()
        return
      case 'resumed':
        // complete up to these seqs: a message I deleted for me is skipped by the replay, not a hole to repair
        for (const [id, seq] of Object.entries(frame.positions)) this.#repair.advance(id, seq)
        this.#repair.resumed()
        return this.#emit({ kind: 'frame', frame })
      case 'resync_required':
        return this.#repair.resyncRequired(frame.conversationId, frame.lastSeq ?? null)
      case 'session.revoked':
        this.stop()
        return this.#emit({ kind: 'revoked', reason: frame.reason })
      case 'pong':
        return
      default:
        this.#emit({ kind: 'frame', frame })
    }
  }

  #onReady(frame: ServerFrameOf<'ready'>): void {
    const reconnected = this.#everReady
    this.#everReady = true
    this.#retry.resetAttempts()
    this.#ready = frame
    this.#setState('connected')
    this.#heartbeat.start(frame.heartbeatSeconds > 0 ? frame.heartbeatSeconds * 1000 : this.#defaultHeartbeatMs)
    this.#emit({ kind: 'ready', frame, reconnected })
    this.resume()
  }

  /** The heartbeat heard nothing for too long: replace the link. */
  #linkDead(): void {
    const ws = this.#ws
    if (!ws || this.#state !== 'connected') return
    closeQuietly(ws, 4000, 'heartbeat timeout')
    this.#onClosed(ws, 4000)
  }

  #onClosed(ws: SocketLike, code: number): void {
    if (ws !== this.#ws) return
    detach(ws)
    this.#ws = null
    this.#heartbeat.stop()
    this.#repair.cancelWaits()
    if (!this.#token) return this.#setState('disconnected')
    if (code === CloseCodes.notAuthenticated) {
      this.stop()
      this.#emit({ kind: 'revoked', reason: 'not_authenticated' })
      return
    }
    this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    this.#retry.schedule(() => this.#connect())
    this.#setState('disconnected')
  }

  #setState(state: SocketState): void {
    this.#state = state
    this.#emit({ kind: 'state', state, retryAt: this.#retry.retryAt, attempt: this.#retry.attempt, stopped: this.#token === null })
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
