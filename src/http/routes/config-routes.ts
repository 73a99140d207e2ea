import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Limits } from '@jim/protocol'

/**
 * `GET /api/v1/config`: the limits clients must respect. Public: they are no secret, and a
 * client needs some before signing in (text and upload sizes, the protocol's bounds); the
 * same object arrives in every socket's `ready` frame.
 */
export function registerConfigRoutes(app: FastifyInstance, deps: { limits: Limits }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  r.get(
    '/api/v1/config',
    {
      config: { public: true },
      schema: {
        tags: ['config'],
        summary: 'Client-visible limits (edit and recall windows, sizes, group size, resume bounds)',
        security: [],
        response: { 200: Type.Object({ limits: Limits }) },
      },
    },
    async () => ({ limits: deps.limits }),
  )
}
