import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Broker } from '../../domain/broker.js'
import { AppError } from '../../domain/errors.js'
import type { Metrics } from '../../shared/metrics.js'
import type { Store } from '../../domain/store.js'

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

function isProxied(headers: Record<string, unknown>): boolean {
  return headers['x-forwarded-for'] !== undefined || headers.forwarded !== undefined || headers['x-real-ip'] !== undefined
}

/** The promise's value, or `fallback` after 2 s (a hung database must not hang health checks). */
function withTimeout<T, F>(promise: Promise<T>, fallback: F): Promise<T | F> {
  return Promise.race([promise, new Promise<F>((done) => setTimeout(() => done(fallback), 2000).unref())])
}

export function registerHealthRoutes(
  app: FastifyInstance,
  deps: {
    store: Store
    broker: Broker
    metrics: Metrics
    metricsToken: string
    /** this build's version and newest migration; the database's newest migration (null: unreachable) */
    build: { version: string; schemaVersion: string; databaseSchemaVersion: () => Promise<string | null> }
  },
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()

  r.get(
    '/healthz',
    {
      config: { public: true },
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'The process is up; which version runs, and the schema it expects and finds (rolling upgrades)',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            version: Type.String(),
            schemaVersion: Type.String({ description: "this build's newest migration" }),
            databaseSchemaVersion: Type.Union([Type.String(), Type.Null()], {
              description: "the database's newest applied migration; null when the database does not answer",
            }),
          }),
        },
      },
    },
    async () => ({
      status: 'ok' as const,
      version: deps.build.version,
      schemaVersion: deps.build.schemaVersion,
      databaseSchemaVersion: await withTimeout(deps.build.databaseSchemaVersion(), null),
    }),
  )

  r.get(
    '/readyz',
    {
      config: { public: true },
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Ready when the database answers; Redis trouble shows as degraded, never unready',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.Literal('ok'), broker: Type.String() }),
          503: Type.Object({ status: Type.Literal('unready'), database: Type.Literal('down'), broker: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      const broker = deps.broker.health()
      try {
        await Promise.race([deps.store.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())])
        return { status: 'ready' as const, database: 'ok' as const, broker }
      } catch {
        reply.header('retry-after', '5')
        return reply.code(503).send({ status: 'unready' as const, database: 'down' as const, broker })
      }
    },
  )

  r.get('/metrics', { config: { public: true }, logLevel: 'warn', schema: { hide: true } }, async (request, reply) => {
    if (deps.metricsToken) {
      const given = Buffer.from(request.headers.authorization ?? '')
      const expected = Buffer.from(`Bearer ${deps.metricsToken}`)
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new AppError('auth.required', 'Send Authorization: Bearer <JIM_METRICS_TOKEN>.')
    } else if (!LOOPBACK.has(request.socket.remoteAddress ?? '') || isProxied(request.headers)) {
      // a reverse proxy on this host makes every visitor look local: forwarded requests never count as loopback
      throw new AppError('route.not_found')
    }
    reply.type(deps.metrics.registry.contentType)
    return deps.metrics.registry.metrics()
  })
}
