import type { ClientMessageType, Message, ServerFrame } from '@jim/protocol'
import { ApiError, type ApiClient } from './api.js'
import { backoffDelay, DEFAULT_BACKOFF, realTimers, type BackoffOptions, type Timers } from './backoff.js'
import type { JimSocket } from './socket.js'

/** A message to send. `clientMsgId` is the idempotency key: every retry reuses it. */
export interface OutgoingMessage {
  conversationId: string
  type: ClientMessageType
  content: Record<string, unknown>
  clientMsgId?: string
}

export interface PendingSend {
  readonly clientMsgId: string
  readonly conversationId: string
  readonly type: ClientMessageType
  readonly content: Record<string, unknown>
  /** tries made so far (socket frames and HTTP calls) */
  readonly attempts: number
}

interface Entry extends PendingSend {
  ref: string
  attempts: number
  /** where the current try went; null while waiting to (re)try */
  via: 'ws' | 'http' | null
  retryTimer: unknown
  /** the last try never reached the server (no network): worth trying again as soon as the socket is back */
  unreached: boolean
  resolve(message: Message): void
  reject(error: ApiError): void
}

export interface OutboxOptions {
  socket: JimSocket
  api: ApiClient
  timers?: Timers
  random?: () => number
  backoff?: BackoffOptions
  /** give up (reject) after this many tries of transient failures */
  maxAttempts?: number
  newId?: () => string
}

/** Codes worth retrying unchanged: the server was briefly unable, not unwilling. */
const TRANSIENT = new Set(['rate_limited', 'service.unavailable', 'internal', 'network', 'auth.busy'])

/**
 * Sends messages over the socket (`message.send`, answered by `message.ack`) while it is
 * connected, and over `POST /conversations/{id}/messages` while it is not. A try that got no
 * answer (the socket dropped) or a transient error is retried with backoff, always with the
 * same clientMsgId, so the server stores each message once however often it is retried.
 * Messages of one outbox go out in the order they were queued.
 */
export class Outbox {
  readonly #o: Required<Omit<OutboxOptions, 'socket' | 'api'>>
  readonly #socket: JimSocket
  readonly #api: ApiClient
  readonly #entries = new Map<string, Entry>()
  #refs = 0

  constructor(options: OutboxOptions) {
    this.#socket = options.socket
    this.#api = options.api
    this.#o = {
      timers: options.timers ?? realTimers,
      random: options.random ?? Math.random,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      maxAttempts: options.maxAttempts ?? 10,
      newId: options.newId ?? newClientMsgId,
    }
    this.#socket.subscribe((event) => {
      if (event.kind === 'frame') this.#onFrame(event.frame)
      else if (event.kind === 'ready') this.#retryOnReconnect()
      else if (event.kind === 'state' && event.state === 'disconnected') this.#retryUnanswered()
    })
  }

  /** Messages not yet stored, oldest first. */
  get pending(): readonly PendingSend[] {
    return [...this.#entries.values()]
  }

  /** Queues a message; resolves with the stored message, rejects with the server's refusal. */
  send(message: OutgoingMessage): Promise<Message> {
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        ref: `o${++this.#refs}`,
        clientMsgId: message.clientMsgId ?? this.#o.newId(),
        conversationId: message.conversationId,
        type: message.type,
        content: message.content,
        attempts: 0,
        via: null,
        retryTimer: null,
        unreached: false,
        resolve,
        reject,
      }
      this.#entries.set(entry.ref, entry)
      this.#try(entry)
    })
  }

  /** Drops every pending message (sign-out): each send rejects with `cancelled`. */
  clear(): void {
    for (const entry of this.#entries.values()) {
      if (entry.retryTimer !== null) this.#o.timers.clearTimeout(entry.retryTimer)
      entry.reject(new ApiError(0, 'cancelled', 'The outbox was cleared before the message was stored.'))
    }
    this.#entries.clear()
  }

  #try(entry: Entry): void {
    entry.retryTimer = null
    entry.attempts++
    const sent = this.#socket.send({
      type: 'message.send',
      ref: entry.ref,
      conversationId: entry.conversationId,
      clientMsgId: entry.clientMsgId,
      messageType: entry.type,
      content: entry.content,
    })
    if (sent) {
      entry.via = 'ws'
      return
    }
    entry.via = 'http'
    this.#api.send(entry.conversationId, { clientMsgId: entry.clientMsgId, type: entry.type, content: entry.content }).then(
      ({ message }) => this.#stored(entry, message),
      (err: unknown) =>
        this.#failed(
          entry,
          err instanceof ApiError ? err : new ApiError(0, 'network', err instanceof Error ? err.message : 'network error'),
        ),
    )
  }

  #onFrame(frame: ServerFrame): void {
    if (frame.type !== 'message.ack' && frame.type !== 'error') return
    const entry = typeof frame.ref === 'string' ? this.#entries.get(frame.ref) : undefined
    if (!entry || entry.via !== 'ws') return
    if (frame.type === 'message.ack') return this.#stored(entry, frame.message)
    this.#failed(entry, new ApiError(0, frame.code, frame.message, frame.details, frame.retryAfter))
  }

  #stored(entry: Entry, message: Message): void {
    if (!this.#entries.delete(entry.ref)) return
    // the sender's own copy, in order with pushes (duplicates of a push are dropped)
    this.#socket.accept(message)
    entry.resolve(message)
  }

  #failed(entry: Entry, err: ApiError): void {
    if (!this.#entries.has(entry.ref)) return
    entry.via = null
    entry.unreached = err.status === 0 && err.code === 'network'
    const transient = TRANSIENT.has(err.code) || err.status >= 500
    if (!transient || entry.attempts >= this.#o.maxAttempts) {
      this.#entries.delete(entry.ref)
      entry.reject(err)
      return
    }
    const wait = Math.max(backoffDelay(entry.attempts - 1, this.#o.backoff, this.#o.random), (err.retryAfter ?? 0) * 1000)
    entry.retryTimer = this.#o.timers.setTimeout(() => this.#try(entry), wait)
  }

  /** The socket dropped or came back: frames sent on it may never be answered; send them again. */
  #retryUnanswered(): void {
    for (const entry of this.#entries.values()) {
      if (entry.via === 'ws') this.#try(entry)
    }
  }

  /**
   * The socket is back: besides the unanswered frames, what waits out a backoff because the
   * network was down goes now (in queue order), not seconds later. A wait the server asked for
   * (rate_limited, Retry-After) is kept.
   */
  #retryOnReconnect(): void {
    for (const entry of this.#entries.values()) {
      if (entry.via === 'ws') this.#try(entry)
      else if (entry.via === null && entry.unreached && entry.retryTimer !== null) {
        this.#o.timers.clearTimeout(entry.retryTimer)
        this.#try(entry)
      }
    }
  }
}

/** A fresh idempotency key: unique per device and message, reused by every retry of it. */
export function newClientMsgId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  if (c?.randomUUID) return c.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`
}
