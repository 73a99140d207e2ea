import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Broker } from '../../broker/broker.js'
import { AppError } from '../../domain/errors.js'
import type { Metrics } from '../../shared/metrics.js'
import type { Store } from '../../store/store.js'

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

function isProxied(headers: Record<string, unknown>): boolean {
  return headers['x-forwarded-for'] !== undefined || headers.forwarded !== undefined || headers['x-real-ip'] !== undefined
}

export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { store: Store; broker: Broker; metrics: Metrics; metricsToken: string },
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()

  r.get(
    '/healthz',
    {
      config: { public: true },
      logLevel: 'warn',
      schema: { tags: ['health'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
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
