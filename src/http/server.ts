import { existsSync } from 'node:fs'
import cors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import websocket from '@fastify/websocket'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config/config.js'
import { AppError, ERROR_CATALOGUE } from '../domain/errors.js'
import { newId } from '../shared/ids.js'
import type { Metrics } from '../shared/metrics.js'
import { sendError, STATUS_OF_KIND } from './error-response.js'
import { ErrorBody } from './schemas/common.js'
import { installValidators } from './validators.js'
import { registerSecurityHeaders } from './security-headers.js'
import { socketErrorHandler } from './socket-error-handler.js'

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

export interface HttpServerOptions {
  config: Config
  logger: Logger
  metrics: Metrics
  /** folder of the built web client; served at / when it exists */
  webRoot: string
}

/** Fastify with JIM's cross-cutting behaviour: ids, logs, errors, security headers, docs. */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const { config, logger, metrics } = options
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.bodyLimitBytes,
    // slow clients: Node answers 408 and closes when headers or a whole request take too long
    // (fastify's default would switch the request timeout off); uploads also get a minimum rate
    requestTimeout: config.http.requestTimeoutMs,
    http: serverTimeouts(config.http),
    trustProxy: parseTrustProxy(config.trustProxy),
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId()
    },
    routerOptions: { maxParamLength: 200 },
    // answered below in JIM's error shape instead of Fastify's
    return503OnClosing: false,
    // malformed URLs and over-long path parameters, answered before routing: JIM's shape too
    frameworkErrors: (err, request, reply) => sendError(request, reply, err),
  })

  installValidators(app)
  app.addSchema(ErrorBody)
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  // a callback hook: an async one costs a promise and a microtask turn on every request
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    if (!closing) return done()
    // requests still arriving on open connections while the instance drains: send them elsewhere
    // (answered here, so the chain stops: done is not called)
    reply.header('connection', 'close')
    sendError(
      request,
      reply,
      new AppError(
        'service.unavailable',
        'This server is shutting down; retry and another instance (or this one, restarted) will answer.',
        {
          retryAfter: 1,
        },
      ),
    )
  })
  // one JSON line per request, with the ids operators search for (a callback hook: no promise per request)
  app.addHook('onResponse', (request, reply, done) => {
    try {
      logRequest(request, reply)
    } finally {
      done()
    }
  })
  const logRequest = (request: FastifyRequest, reply: FastifyReply): void => {
    const route = request.routeOptions.url ?? 'unmatched'
    const latencyMs = Math.round(reply.elapsedTime * 10) / 10
    metrics.httpRequests.inc({ method: request.method, route, status: reply.statusCode })
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
    if (route === '/healthz' || route === '/readyz' || route === '/metrics') return
    // the request's child logger already carries reqId
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        latencyMs,
        userId: request.principal?.user.id,
        ip: request.ip,
      },
      'request',
    )
  }
  app.setErrorHandler((err, request, reply) => {
    if (reply.statusCode >= 500 || !(err instanceof AppError)) metrics.errors.inc(0)
    return sendError(request, reply, err)
  })
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new AppError('route.not_found', `No endpoint ${request.method} ${request.url.split('?')[0]}.`)),
  )

  registerSecurityHeaders(app, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // only over https: on a plain-http address (a LAN IP) it would rewrite the app's own
        // scripts to https and leave a blank page
        upgradeInsecureRequests: config.publicUrl.startsWith('https:') ? [] : null,
      },
    },
    crossOriginEmbedderPolicy: false,
  })
  // same-origin needs no CORS; operators list other origins that may call the API. Without any,
  // the plugin is not registered at all: with `origin: false` it only spent a hook (an options
  // copy and two route-option objects) on every request to add nothing
  if (config.http.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...config.http.corsOrigins],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    })
  }
  const onSocketError = socketErrorHandler()
  await app.register(websocket, {
    options: { maxPayload: config.ws.maxFrameBytes },
    // until the gateway takes the socket over (see dropUpgradeLeftovers)
    errorHandler: (error, socket, request) => onSocketError(error, socket, request.log, { ip: request.ip }),
    // the gateway's own preClose hook closes every socket with 1001 "going away" (reconnect
    // elsewhere); the plugin's default would close them first with no code (1005)
    preClose: (done) => done(),
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'JIM API',
        version: '1',
        description: `Chat server API. Errors are {"error":{"code","message","details?"}}; codes:\n\n${errorCodeTable()}`,
      },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) || `def-${i}` },
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  app.get('/api/v1/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())

  if (existsSync(options.webRoot)) {
    await app.register(fastifyStatic, { root: options.webRoot, wildcard: false })
    // client-side routes fall back to the app shell
    app.get('/*', { config: { public: true }, schema: { hide: true } }, (request, reply) => {
      if (request.url.startsWith('/api/')) return sendError(request, reply, new AppError('route.not_found'))
      return reply.sendFile('index.html')
    })
  }
  return app
}

/** Node's header timeout (never above the request timeout) and how often it checks both. */
function serverTimeouts(c: Config['http']): { headersTimeout: number; connectionsCheckingInterval: number } {
  const headersTimeout = c.requestTimeoutMs > 0 ? Math.min(c.headersTimeoutMs, c.requestTimeoutMs) : c.headersTimeoutMs
  const shortest = c.requestTimeoutMs > 0 ? Math.min(headersTimeout, c.requestTimeoutMs) : headersTimeout
  return { headersTimeout, connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(shortest / 4))) }
}

function parseTrustProxy(value: string): boolean | string[] {
  if (value === 'false' || value === '') return false
  if (value === 'true') return true
  return value.split(',').map((s) => s.trim())
}

function errorCodeTable(): string {
  return ERROR_CATALOGUE.map((e) => `- \`${e.code}\` (${STATUS_OF_KIND[e.kind]}): ${e.message}`).join('\n')
}
