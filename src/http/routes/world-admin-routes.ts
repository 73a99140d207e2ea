import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AdminService } from '../../domain/admin/admin-service.js'
import type { WorldSettings } from '../../domain/conversations/world-settings.js'
import { AppError } from '../../domain/errors.js'
import type { Clock } from '../../shared/clock.js'
import { isId } from '../../shared/ids.js'
import type { Store } from '../../domain/store.js'
import { principalOf } from '../auth-hook.js'
import { Id, IsoTime, withErrors } from '../schemas/common.js'
import { adminOnly } from './admin-routes.js'

const WorldState = Type.Object({ open: Type.Boolean() })
const ERRORS = [400, 401, 403, 404]

/** Admin switches of the world channel: open/close it, mute one user in it. Audited. */
export function registerWorldAdminRoutes(
  app: FastifyInstance,
  deps: { world: WorldSettings; admin: AdminService; store: Store; clock: Clock },
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { world, admin, store, clock } = deps
  const tags = ['admin']

  r.get(
    '/api/v1/admin/world',
    { preValidation: adminOnly, schema: { tags, summary: 'World channel state', response: withErrors({ 200: WorldState }, ERRORS) } },
    async () => ({
      open: await world.isOpen(),
    }),
  )

  r.put(
    '/api/v1/admin/world',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Open or close the world channel (closed: every send gets 422 message.world_closed)',
        body: Type.Object({ open: Type.Boolean() }, { additionalProperties: false }),
        response: withErrors({ 200: WorldState }, ERRORS),
      },
    },
    async (request) => {
      await world.setOpen(request.body.open, clock.now())
      await admin.record(principalOf(request).user.id, request.body.open ? 'world.opened' : 'world.closed', null)
      return { open: request.body.open }
    },
  )

  r.put(
    '/api/v1/admin/world/mutes/:userId',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Mute a user in the world channel until a time',
        params: Type.Object({ userId: Id }),
        body: Type.Object({ until: IsoTime, reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ userId: Id, mutedUntil: IsoTime }) }, ERRORS),
      },
    },
    async (request) => {
      const { userId } = request.params
      const until = Date.parse(request.body.until)
      if (!Number.isFinite(until) || until <= clock.now()) throw new AppError('request.invalid', 'until must be a time in the future.')
      if (!isId(userId) || !(await store.users.findById(userId))) throw new AppError('user.not_found')
      await world.setMute(userId, until, clock.now())
      await admin.record(principalOf(request).user.id, 'world.user_muted', userId, {
        until: request.body.until,
        reason: request.body.reason ?? '',
      })
      return { userId, mutedUntil: new Date(until).toISOString() }
    },
  )

  r.delete(
    '/api/v1/admin/world/mutes/:userId',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Lift a world-channel mute',
        params: Type.Object({ userId: Id }),
        response: withErrors({ 204: Type.Null() }, ERRORS),
      },
    },
    async (request, reply) => {
      await world.setMute(request.params.userId, null, clock.now())
      await admin.record(principalOf(request).user.id, 'world.user_unmuted', request.params.userId)
      return reply.code(204).send(null)
    },
  )
}
