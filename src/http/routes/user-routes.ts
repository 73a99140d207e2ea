import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { UserService } from '../../domain/users/user-service.js'
import { principalOf } from '../auth-hook.js'
import { Page, PageQuery, withErrors } from '../schemas/common.js'
import { PublicUser } from '../schemas/user-schemas.js'

/** Who is hidden from whom in search (blocks): set by the friends capability. */
export type SearchExclusions = (userId: string) => Promise<string[]>

export function registerUserRoutes(app: FastifyInstance, deps: { users: UserService; searchExclusions: SearchExclusions }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { users } = deps

  r.get(
    '/api/v1/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'A public profile',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: withErrors({ 200: PublicUser }, [401, 404]),
      },
    },
    async (request) => users.getPublicProfile(request.params.id),
  )

  r.get(
    '/api/v1/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Find people by exact id or username/nickname prefix',
        querystring: Type.Object({ q: Type.String({ maxLength: 64 }), ...PageQuery }, { additionalProperties: false }),
        response: withErrors({ 200: Page(PublicUser) }, [400, 401, 429]),
      },
    },
    async (request) => {
      const me = principalOf(request).user.id
      return users.search({
        q: request.query.q,
        limit: request.query.limit ?? 50,
        cursor: request.query.cursor ?? null,
        excludeIds: [me, ...(await deps.searchExclusions(me))],
      })
    },
  )
}
