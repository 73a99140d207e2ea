import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AuthService } from '../../domain/auth/auth-service.js'
import type { FileService } from '../../domain/files/file-service.js'
import type { UserService } from '../../domain/users/user-service.js'
import { principalOf } from '../auth-hook.js'
import { Id, IsoTime, withErrors } from '../schemas/common.js'
import { Nickname, Password, SelfUser, Status } from '../schemas/user-schemas.js'
import { selfUserView, sessionView } from '../views.js'

const SessionView = Type.Object({
  id: Id,
  createdAt: IsoTime,
  lastSeenAt: IsoTime,
  expiresAt: IsoTime,
  userAgent: Type.String(),
  ip: Type.String(),
  current: Type.Boolean(),
})

export function registerMeRoutes(app: FastifyInstance, deps: { auth: AuthService; users: UserService; files: FileService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { auth, users, files } = deps

  r.get('/api/v1/me', { schema: { tags: ['me'], summary: 'My profile', response: withErrors({ 200: SelfUser }) } }, async (request) =>
    selfUserView(principalOf(request).user),
  )

  r.patch(
    '/api/v1/me',
    {
      schema: {
        tags: ['me'],
        summary: 'Edit my profile',
        body: Type.Object(
          {
            nickname: Type.Optional(Nickname),
            bio: Type.Optional(Type.String({ maxLength: 500 })),
            status: Type.Optional(Status),
            avatar: Type.Optional(Type.Union([Id, Type.Null()], { description: 'an image I uploaded (POST /files); null clears' })),
            mentionAlertMuted: Type.Optional(Type.Boolean({ description: 'a mention of me alerts even in a muted chat' })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: withErrors({ 200: SelfUser }, [400, 401, 404, 422]),
      },
    },
    async (request) => {
      const { avatar, ...body } = request.body
      const patch = { ...body, nickname: body.nickname?.trim() }
      if (patch.nickname === '') patch.nickname = undefined
      const userId = principalOf(request).user.id
      if (avatar === undefined) return selfUserView(await users.updateProfile(userId, patch))
      const user = await files.setAvatar(userId, { kind: 'avatar', refId: userId, fileId: avatar }, () =>
        users.updateProfile(userId, { ...patch, avatarFileId: avatar }),
      )
      return selfUserView(user)
    },
  )

  r.put(
    '/api/v1/me/password',
    {
      schema: {
        tags: ['me'],
        summary: 'Change my password (signs out my other devices)',
        body: Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false }),
        response: withErrors({ 204: Type.Null() }, [400, 401, 422]),
      },
    },
    async (request, reply) => {
      await auth.changePassword(principalOf(request), request.body.currentPassword, request.body.newPassword)
      return reply.code(204).send(null)
    },
  )

  r.get(
    '/api/v1/me/sessions',
    {
      schema: {
        tags: ['me'],
        summary: 'My signed-in devices',
        response: withErrors({ 200: Type.Object({ items: Type.Array(SessionView) }) }),
      },
    },
    async (request) => {
      const p = principalOf(request)
      const sessions = await auth.listSessions(p.user.id)
      return { items: sessions.map((s) => sessionView(s, p.session.id)) }
    },
  )

  r.delete(
    '/api/v1/me/sessions/:id',
    {
      schema: {
        tags: ['me'],
        summary: 'Sign one device out',
        params: Type.Object({ id: Id }),
        response: withErrors({ 204: Type.Null() }, [400, 401, 404]),
      },
    },
    async (request, reply) => {
      await auth.revokeOwnSession(principalOf(request).user.id, request.params.id)
      return reply.code(204).send(null)
    },
  )

  r.delete(
    '/api/v1/me/sessions',
    {
      schema: {
        tags: ['me'],
        summary: 'Sign all my other devices out (others=true)',
        querystring: Type.Object({ others: Type.Literal('true') }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ revoked: Type.Integer() }) }),
      },
    },
    async (request) => {
      const p = principalOf(request)
      const revoked = await auth.revokeAllSessions(p.user.id, 'signed_out_by_user', p.session.id)
      return { revoked: revoked.length }
    },
  )
}
