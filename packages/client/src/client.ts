import type { ClientMessageType, Limits, Message, SelfUser, ServerFrame } from '@jim/protocol'
import { ApiClient, type FetchLike } from './api.js'
import type { BackoffOptions, Timers } from './backoff.js'
import { Outbox } from './outbox.js'
import type { TextContent } from './rest-types.js'
import { JimSocket, type SocketEvent, type SocketLike, type SocketState } from './socket.js'

export interface JimClientOptions {
  /** where JIM runs, e.g. `https://chat.example.com` ('' in a page served by JIM) */
  baseUrl: string
  /** a WebSocket constructor (Node 20: `WebSocket` from the "ws" package); default: the global one */
  WebSocket?: new (url: string) => SocketLike
  fetch?: FetchLike
  timers?: Timers
  backoff?: BackoffOptions
  /** how often a send is tried before it is given up (default 10; `Infinity`: until the server answers) */
  sendAttempts?: number
  /** called after a REST call answered 401 (the session is gone); the socket is stopped already */
  onUnauthorized?: () => void
  /**
   * How a hole that `resume` could not fill is repaired. Default: `fillFromHistory` (every missed
   * message is read). An app that shows only some conversations may skip the rest.
   */
  repair?: (conversationId: string, lastSeq: number | null) => Promise<void> | void
}

export interface JimEvents {
  /** a new message, once each and in seq order per conversation (own messages included) */
  message: (message: Message) => void
  /** every other server frame (typing, receipts, edits, friends, groups...) */
  frame: (frame: ServerFrame) => void
  state: (state: SocketState) => void
  /** the session ended: sign in again */
  revoked: (reason: string) => void
}

/** How many history pages a gap fill reads before it gives up and skips to the present. */
const MAX_REPAIR_PAGES = 20
const REPAIR_PAGE = 100

/**
 * A JIM client: REST calls (`api`), the socket (`socket`) and the outbox (`send`), wired
 * together. `connect` seeds every conversation's position from the conversation list, so the
 * socket resumes from there; holes that `resume` cannot fill are filled from history here.
 */
export class JimClient {
  readonly api: ApiClient
  readonly socket: JimSocket
  readonly outbox: Outbox
  user: SelfUser | null = null

  constructor(options: JimClientOptions) {
    const base = options.baseUrl.replace(/\/+$/, '')
    this.api = new ApiClient({
      baseUrl: base,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      onUnauthorized: () => {
        this.socket.stop()
        options.onUnauthorized?.()
      },
    })
    const wsBase = base ? base.replace(/^http/, 'ws') : wsOrigin()
    const Ctor = options.WebSocket
    this.socket = new JimSocket({
      url: `${wsBase}/api/v1/ws`,
      ...(Ctor ? { factory: (url: string) => new Ctor(url) } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    })
    this.outbox = new Outbox({
      socket: this.socket,
      api: this.api,
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.sendAttempts !== undefined ? { maxAttempts: options.sendAttempts } : {}),
    })
    const repair = options.repair ?? ((id: string, lastSeq: number | null) => this.fillFromHistory(id, { lastSeq }).catch(() => false))
    this.socket.subscribe((event) => {
      if (event.kind === 'repair') void repair(event.conversationId, event.lastSeq)
    })
  }

  /** The server's limits: from the socket's `ready` once connected, else `GET /config`. */
  async limits(): Promise<Limits> {
    return this.socket.ready?.limits ?? (await this.api.config()).limits
  }

  /** Signs in with a password and keeps the token for every call. */
  async login(username: string, password: string): Promise<SelfUser> {
    const result = await this.api.login({ username, password })
    this.api.token = result.token
    this.user = result.user
    return result.user
  }

  /** Uses a token from an earlier login. */
  async useToken(token: string): Promise<SelfUser> {
    this.api.token = token
    this.user = await this.api.me()
    return this.user
  }

  /** Seeds positions from the conversation list, opens the socket and waits for `ready`. */
  async connect(): Promise<void> {
    if (!this.api.token) throw new Error('Sign in first (login or useToken).')
    let cursor: string | null = null
    do {
      const page = await this.api.conversations(cursor)
      for (const c of page.items) this.socket.seed(c.id, c.lastSeq, c.modSeq)
      cursor = page.nextCursor
    } while (cursor)
    const ready = new Promise<void>((resolve, reject) => {
      const off = this.socket.subscribe((e) => {
        if (e.kind === 'ready') resolve()
        else if (e.kind === 'revoked') reject(new Error(`not authenticated: ${e.reason}`))
        else return
        off()
      })
    })
    this.socket.start(this.api.token)
    await ready
  }

  /** Listens to one kind of event; returns the function that stops listening. */
  on<K extends keyof JimEvents>(kind: K, listener: JimEvents[K]): () => void {
    return this.socket.subscribe((event: SocketEvent) => {
      if (event.kind === 'message' && kind === 'message') (listener as JimEvents['message'])(event.message)
      else if (event.kind === 'frame' && kind === 'frame') (listener as JimEvents['frame'])(event.frame)
      else if (event.kind === 'state' && kind === 'state') (listener as JimEvents['state'])(event.state)
      else if (event.kind === 'revoked' && kind === 'revoked') (listener as JimEvents['revoked'])(event.reason)
    })
  }

  /** Sends a text (`{text}`) or any message (`{type, content}`) through the outbox. */
  send(conversationId: string, message: TextContent | { type: ClientMessageType; content: Record<string, unknown> }): Promise<Message> {
    const typed = 'type' in message && 'content' in message
    return this.outbox.send({
      conversationId,
      type: typed ? message.type : 'text',
      content: typed ? message.content : { ...message },
    })
  }

  /** Closes the socket and drops unsent messages; the session stays valid. */
  close(): void {
    this.outbox.clear()
    this.socket.stop()
  }

  /** Signs out: revokes the session, then forgets it. */
  async logout(): Promise<void> {
    try {
      await this.api.logout()
    } finally {
      this.forget()
    }
  }

  /**
   * Forgets the session here without asking the server (it already ended, or the account is
   * gone): closes, drops unsent messages, positions and the token, so the next sign-in (maybe
   * someone else's) starts afresh.
   */
  forget(): void {
    this.outbox.clear()
    this.socket.reset()
    this.api.token = null
    this.user = null
  }

  /**
   * Fills a hole from history (`after=` the position), page by page, delivering each message
   * through the socket (once, in order). True when it caught up; after `maxPages` pages it
   * stops, skips to `lastSeq` when known, and answers false. Errors reach the caller (the next
   * reconnect resumes from the same position).
   */
  async fillFromHistory(conversationId: string, options: { lastSeq?: number | null; maxPages?: number } = {}): Promise<boolean> {
    const maxPages = options.maxPages ?? MAX_REPAIR_PAGES
    for (let i = 0; i < maxPages; i++) {
      const position = this.socket.sequencer.position(conversationId) ?? 0
      const page = await this.api.messages(conversationId, { after: position, limit: REPAIR_PAGE })
      const items = [...page.items].sort((a, b) => a.seq - b.seq)
      for (const m of items) this.socket.accept(m)
      const last = items.at(-1)?.seq
      if (last !== undefined) this.socket.advance(conversationId, last)
      if (!page.hasMore || items.length === 0) return true
    }
    if (typeof options.lastSeq === 'number') this.socket.advance(conversationId, options.lastSeq)
    return false
  }
}

function wsOrigin(): string {
  const loc = (globalThis as { location?: { protocol: string; host: string } }).location
  if (!loc) throw new Error('baseUrl is required outside a browser page.')
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}`
}
