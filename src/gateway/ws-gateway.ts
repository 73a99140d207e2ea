import type {} from '@fastify/swagger'
import type {} from '@fastify/websocket'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import type { Config } from '../config/config.js'
import type { AuthService, Principal } from '../domain/auth/auth-service.js'
import type { ClientFrameOf, ClientFrameType, Limits } from '@jim/protocol'
import { clientLimits } from '../config/client-limits.js'
import { AppError } from '../domain/errors.js'
import { toAppError } from '../http/error-response.js'
import type { ClusterEvent, Route, UserEvent } from '../domain/events.js'
import type { RateLimiter } from '../domain/security/rate-limiter.js'
import type { PresenceService } from '../domain/users/presence-service.js'
import { newId } from '../shared/ids.js'
import { parseClientFrame } from './client-frame-parser.js'
import { CloseCode } from './close-codes.js'
import { Connection } from './connection.js'
import { FrameLimiter, frameLimits } from './frame-limiter.js'
import type { Hub } from './hub.js'
import { isAllowedOrigin } from './origin.js'
import { dropUpgradeLeftovers } from './socket-errors.js'
import { socketErrorHandler } from '../http/socket-error-handler.js'

/** A client frame handler a capability registers (typing, resume...); it gets frames already valid. */
export type FrameHandler<T extends ClientFrameType = ClientFrameType> = (conn: Connection, frame: ClientFrameOf<T>) => Promise<void> | void

/**
 * Delivers conversation-routed events to local sockets, authorizing each recipient at push
 * time (see ConversationFanout).
 */
export interface ConversationRouter {
  deliver(route: Extract<Route, { conversationId: string }>, event: UserEvent, exceptSessionId?: string): void
}

export interface GatewayMetrics {
  connectionOpened(): void
  connectionClosed(): void
  framePushed(count: number): void
}

interface GatewayDeps {
  config: Config
  auth: AuthService
  presence: PresenceService
  logger: Logger
  metrics: GatewayMetrics
  /** counts sockets opened per user per minute (a reconnect loop); absent when rate limits are off */
  limiter?: RateLimiter
  /** the sockets of this instance (shared with the conversation router, which pushes to them) */
  hub: Hub
  /** delivers conversation-routed events (authorized per recipient) */
  router: ConversationRouter
}

/** The WebSocket endpoint: authenticates sockets, routes cluster events to them, heartbeats. */
export class WsGateway {
  readonly hub: Hub
  readonly #d: GatewayDeps
  readonly #handlers = new Map<string, FrameHandler<never>>()
  readonly #limits: Limits
  /** null when rate limits are off (bench mode) */
  readonly #frameLimiter: FrameLimiter | null
  readonly #frameBudgets = new WeakMap<Connection, Float64Array>()
  readonly #pendingByIp = new Map<string, number>()
  readonly #closeHandlers: Array<(conn: Connection) => void> = []
  #heartbeat: NodeJS.Timeout | null = null
  #recheck: NodeJS.Timeout | null = null
  readonly #alive = new WeakSet<WebSocket>()
  readonly #sockets = new Set<WebSocket>()
  readonly #onSocketError = socketErrorHandler()
  #draining = false

  constructor(deps: GatewayDeps) {
    this.#d = deps
    this.hub = deps.hub
    this.#limits = clientLimits(deps.config)
    const limits = frameLimits(deps.config)
    this.#frameLimiter = limits ? new FrameLimiter(limits) : null
  }

  /** Registers a handler for a client frame `type`. */
  onFrame<T extends Exclude<ClientFrameType, 'auth' | 'ping'>>(type: T, handler: FrameHandler<T>): void {
    this.#handlers.set(type, handler as FrameHandler<never>)
  }

  /** Called when a served socket closes (a call participant's part ends with it). */
  onSocketClosed(handler: (conn: Connection) => void): void {
    this.#closeHandlers.push(handler)
  }

  register(app: FastifyInstance): void {
    // public for the HTTP auth hook: the gateway authenticates itself (header, or the browser's first frame)
    app.get('/api/v1/ws', { websocket: true, config: { public: true }, schema: { hide: true } }, (socket, request) => {
      void this.#accept(socket, request)
    })
    const beatMs = this.#d.config.ws.heartbeatSeconds * 1000
    this.#heartbeat = setInterval(() => this.#beat(), beatMs)
    this.#recheck = setInterval(() => void this.#recheckSessions(), this.#d.config.ws.sessionRecheckSeconds * 1000)
    this.#heartbeat.unref()
    this.#recheck.unref()
  }

  /** Routes one cluster event to the local sockets it is for. */
  handleClusterEvent(event: ClusterEvent): void {
    if (event.kind === 'sessions.revoked') {
      for (const conn of this.hub.socketsOf(event.userId)) {
        if (event.sessionIds === 'all' || event.sessionIds.includes(conn.sessionId)) this.#revoke(conn, event.reason)
      }
      return
    }
    if (event.kind !== 'push') return
    if (!('users' in event.route)) {
      // the fan-out authorizes per recipient and serializes once itself
      this.#d.router.deliver(event.route, event.event, event.exceptSessionId)
      return
    }
    const data = JSON.stringify(event.event)
    let pushed = 0
    for (const userId of event.route.users) {
      for (const conn of this.hub.socketsOf(userId)) {
        if (conn.sessionId === event.exceptSessionId) continue
        if (event.connectionId !== undefined && conn.id !== event.connectionId) continue
        conn.sendRaw(data)
        pushed++
      }
    }
    if (pushed > 0) this.#d.metrics.framePushed(pushed)
  }

  /** Tells every socket to reconnect elsewhere (1001) and stops timers. */
  async drain(): Promise<void> {
    this.#draining = true
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    if (this.#recheck) clearInterval(this.#recheck)
    for (const ws of this.#sockets) {
      try {
        ws.close(CloseCode.goingAway, 'server going away')
      } catch {
        ws.terminate()
      }
    }
    const deadline = Date.now() + 2000
    while (this.#sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    for (const ws of this.#sockets) ws.terminate()
  }

  /** Asks every local socket to `resume` (after a broker reconnect some pushes may be lost). */
  requestSync(): void {
    for (const conn of this.hub.all()) conn.send({ type: 'sync' })
  }

  async #accept(ws: WebSocket, request: FastifyRequest): Promise<void> {
    const { config, logger } = this.#d
    const fields = { ip: request.ip, reqId: request.id }
    dropUpgradeLeftovers(ws, request, (error) => this.#onSocketError(error, ws, logger, fields))
    if (this.#draining) return ws.close(CloseCode.goingAway, 'server going away')
    if (!isAllowedOrigin(request.headers.origin, request.headers.host, config.publicUrl)) {
      logger.warn({ event: 'ws.origin_refused', origin: request.headers.origin, reqId: request.id }, 'websocket origin refused')
      return ws.close(CloseCode.policy, 'origin not allowed')
    }
    this.#sockets.add(ws)
    this.#alive.add(ws)
    ws.on('pong', () => this.#alive.add(ws))
    ws.once('close', () => this.#sockets.delete(ws))

    const header = request.headers.authorization
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null
    let principal: Principal | null = null
    let bearer: string
    if (token) {
      bearer = token
      const found = await this.#authenticateNew(ws, token)
      if (found === 'closed') return
      if (!found) return ws.close(CloseCode.notAuthenticated, 'not authenticated')
      principal = found
    } else {
      const got = await this.#awaitAuthFrame(ws, request.ip)
      if (!got) return
      ;({ principal, token: bearer } = got)
    }
    if (ws.readyState !== ws.OPEN) return
    if (!(await this.#withinConnectBudget(ws, principal.user.id, request))) return
    if (ws.readyState !== ws.OPEN) return
    this.#open(ws, principal, bearer, request)
  }

  /**
   * Sockets one user may open per minute: a client stuck in a reconnect loop (or a script) costs
   * an authentication and a resume each time. Over it: an `error` frame `rate_limited` with
   * `retryAfter`, then close 4029 (the SDK backs off). Per IP, the upgrade itself is limited
   * before it happens (429, route limit `ws-connect`).
   */
  async #withinConnectBudget(ws: WebSocket, userId: string, request: FastifyRequest): Promise<boolean> {
    const { limiter, config, logger } = this.#d
    if (!limiter || !config.rateLimit.enabled) return true
    const state = await limiter.hit(`ws-connect:user:${userId}`, { limit: config.rateLimit.wsConnectsPerMinute, windowMs: 60_000 })
    if (state.allowed) return true
    const retryAfter = Math.max(1, Math.ceil(state.retryAfterMs / 1000))
    logger.warn(
      { event: 'ws.connect_limited', userId, ip: request.ip, reqId: request.id, retryAfterSeconds: retryAfter },
      'socket refused: too many connections',
    )
    const message = `Too many connections this minute; reconnect in ${retryAfter} s.`
    ws.send(JSON.stringify({ type: 'error', code: 'rate_limited', message, retryAfter, replyTo: null }))
    ws.close(CloseCode.tooManySockets, 'too many connections per minute')
    return false
  }

  async #authenticate(token: string): Promise<Principal | null> {
    try {
      return await this.#d.auth.authenticate(token)
    } catch (err) {
      if (err instanceof AppError) return null
      throw err
    }
  }

  /**
   * Authenticates a new socket; when the database cannot answer (down, hung past its bound) the
   * socket is closed with 1013 "try again later" (not 4001: the token may be fine) and `closed` returned.
   */
  async #authenticateNew(ws: WebSocket, token: string): Promise<Principal | null | 'closed'> {
    try {
      return await this.#authenticate(token)
    } catch (err) {
      this.#d.logger.warn(
        { event: 'ws.auth_unavailable', err: { message: (err as Error).message } },
        'socket refused: database unavailable',
      )
      ws.close(CloseCode.tryAgainLater, 'service unavailable, retry')
      return 'closed'
    }
  }

  /** Browsers cannot set headers on a WebSocket: they send `{type:"auth", token}` first. */
  #awaitAuthFrame(ws: WebSocket, ip: string): Promise<{ principal: Principal; token: string } | null> {
    const pending = this.#pendingByIp.get(ip) ?? 0
    if (pending >= this.#d.config.ws.maxPendingPerIp) {
      ws.close(CloseCode.policy, 'too many unauthenticated sockets')
      return Promise.resolve(null)
    }
    this.#pendingByIp.set(ip, pending + 1)
    return new Promise((resolve) => {
      let settled = false
      const finish = (value: { principal: Principal; token: string } | null, close?: [number, string]) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        ws.off('message', onMessage)
        const left = (this.#pendingByIp.get(ip) ?? 1) - 1
        if (left <= 0) this.#pendingByIp.delete(ip)
        else this.#pendingByIp.set(ip, left)
        if (close) ws.close(...close)
        resolve(value)
      }
      const timer = setTimeout(() => finish(null, [CloseCode.notAuthenticated, 'auth timeout']), this.#d.config.ws.authTimeoutMs)
      const onMessage = async (data: Buffer) => {
        const parsed = parseClientFrame(data)
        const frame = 'frame' in parsed ? parsed.frame : null
        if (frame?.type !== 'auth') {
          return finish(null, [CloseCode.notAuthenticated, 'send {"type":"auth","token":"..."} first'])
        }
        const principal = await this.#authenticateNew(ws, frame.token)
        if (principal === 'closed') return finish(null)
        if (!principal) return finish(null, [CloseCode.notAuthenticated, 'not authenticated'])
        finish({ principal, token: frame.token })
      }
      ws.on('message', onMessage)
      ws.once('close', () => finish(null))
    })
  }

  #open(ws: WebSocket, principal: Principal, token: string, request: FastifyRequest): void {
    const { config, logger, presence, metrics } = this.#d
    const userId = principal.user.id
    if (this.hub.countOf(userId) >= config.ws.maxSocketsPerUser) {
      return ws.close(CloseCode.tooManySockets, 'too many sockets for this user')
    }
    const conn = new Connection({
      id: newId(),
      userId,
      sessionId: principal.session.id,
      ws,
      maxQueued: config.ws.queueMaxFrames,
    })
    tokens.set(conn, token)
    metrics.connectionOpened()
    logger.info({ event: 'ws.connected', userId, sessionId: conn.sessionId, connectionId: conn.id, reqId: request.id }, 'socket connected')
    conn.onClose = () => {
      this.hub.remove(conn)
      metrics.connectionClosed()
      logger.info({ event: 'ws.disconnected', userId, connectionId: conn.id }, 'socket disconnected')
      void presence.socketClosed(userId, conn.id)
      for (const handler of this.#closeHandlers) handler(conn)
    }
    // The socket is served only once it is in the presence registry that routes events: an
    // event whose route was looked up before that was stored before it, so the socket's first
    // `resume` (read after this point) returns it. Frames that arrive meanwhile wait, in order.
    const registered = presence.socketOpened(userId, conn.id).then(() => {
      if (!conn.isOpen) return
      this.hub.add(conn)
      conn.send({
        type: 'ready',
        userId,
        sessionId: conn.sessionId,
        connectionId: conn.id,
        heartbeatSeconds: config.ws.heartbeatSeconds,
        limits: this.#limits,
      })
    })
    ws.on('message', (data: Buffer) => void registered.then(() => this.#onFrame(conn, data)))
  }

  async #onFrame(conn: Connection, data: Buffer): Promise<void> {
    const parsed = parseClientFrame(data)
    if (!this.#withinBudget(conn, 'frame' in parsed ? parsed.frame.type : 'invalid', parsed)) return
    if ('problem' in parsed) {
      const { problem } = parsed
      return conn.send({ type: 'error', ...problem })
    }
    const { frame } = parsed
    if (frame.type === 'ping') return conn.send({ type: 'pong', id: frame.id ?? null })
    if (frame.type === 'auth') return conn.send({ type: 'error', code: 'request.invalid', message: 'Already authenticated.' })
    const replyTo = 'id' in frame ? (frame.id ?? null) : null
    const ref = 'ref' in frame ? frame.ref : undefined
    const handler = this.#handlers.get(frame.type) as FrameHandler | undefined
    if (!handler) {
      return conn.send({ type: 'error', code: 'request.invalid', message: `Frame type "${frame.type}" is not served here.`, replyTo, ref })
    }
    try {
      await handler(conn, frame)
    } catch (thrown) {
      // the HTTP mapping: a lost database connection is `service.unavailable`, anything unknown `internal`
      const err = toAppError(thrown)
      if (err.code === 'internal') this.#d.logger.error({ err: thrown, userId: conn.userId, frameType: frame.type }, 'frame handler failed')
      sendError(conn, err, replyTo, ref)
    }
  }

  /**
   * The per-socket frame budget (see FrameLimiter), checked before any work: a frame over it is
   * refused with `rate_limited` and not run; a socket that keeps flooding is closed with 1008.
   */
  #withinBudget(conn: Connection, type: string, parsed: ReturnType<typeof parseClientFrame>): boolean {
    const limiter = this.#frameLimiter
    if (!limiter) return true
    const now = Date.now()
    let state = this.#frameBudgets.get(conn)
    if (!state) this.#frameBudgets.set(conn, (state = limiter.newState(now)))
    const verdict = limiter.take(state, type, now)
    if (verdict.ok) return true
    if (!conn.isOpen) return false
    const frame = 'frame' in parsed ? (parsed.frame as { id?: string | number; ref?: string | number }) : null
    const replyTo = frame ? (frame.id ?? null) : 'problem' in parsed ? parsed.problem.replyTo : null
    const ref = frame ? frame.ref : 'problem' in parsed ? parsed.problem.ref : undefined
    const err = new AppError('rate_limited', `Too many ${type} frames; slow down.`, { retryAfter: verdict.retryAfter })
    // past any hold: a resume in progress must not keep the refusal back (or drop it on close)
    sendError(conn, err, replyTo, ref, true)
    if (verdict.close) {
      this.#d.logger.warn(
        { event: 'ws.flood_closed', userId: conn.userId, connectionId: conn.id, frameType: type },
        'socket closed for flooding',
      )
      conn.close(CloseCode.policy, 'too many frames')
    }
    return false
  }

  #beat(): void {
    for (const ws of this.#sockets) {
      if (!this.#alive.has(ws)) {
        ws.terminate()
        continue
      }
      this.#alive.delete(ws)
      try {
        ws.ping()
      } catch {
        ws.terminate()
      }
    }
  }

  /** Sockets re-check their session: expiry or a revocation event that was lost still closes them. */
  async #recheckSessions(): Promise<void> {
    for (const conn of [...this.hub.all()]) {
      const token = tokens.get(conn)
      if (!token) continue
      let principal: Principal | null
      try {
        principal = await this.#authenticate(token)
      } catch (err) {
        // the database is away: an unanswered check is no verdict; keep the sockets and check again next round
        this.#d.logger.warn({ event: 'ws.recheck_skipped', err: { message: (err as Error).message } }, 'session re-check skipped')
        return
      }
      if (!principal) this.#revoke(conn, 'expired')
    }
  }

  #revoke(conn: Connection, reason: string): void {
    conn.send({ type: 'session.revoked', reason })
    conn.close(CloseCode.notAuthenticated, 'session revoked')
  }
}

/** The one shape of a refused frame: `{type:"error", code, message, details?, retryAfter?, replyTo, ref}`. */
function sendError(conn: Connection, err: AppError, replyTo: string | number | null, ref: string | number | undefined, now = false): void {
  const send = now ? conn.sendNow.bind(conn) : conn.send.bind(conn)
  send({
    type: 'error',
    code: err.code,
    message: err.message,
    ...(err.details !== undefined ? { details: err.details } : {}),
    ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
    replyTo,
    ref,
  })
}

/** tokens stay out of Connection so nothing that logs a connection can leak one */
const tokens = new WeakMap<Connection, string>()
