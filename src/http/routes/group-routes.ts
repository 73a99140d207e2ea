import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { groupView } from '../../domain/groups/group-views.js'
import { principalOf } from '../auth-hook.js'
import { adminOnly } from './admin-routes.js'
import { Id, Page, PageQuery, withErrors } from '../schemas/common.js'
import { CreateGroupBody, Group, JoinOutcome as JoinOutcomeSchema, MemberReport, PatchGroupBody } from '../schemas/group-schemas.js'
import { registerGroupMemberRoutes } from './group-member-routes.js'
import { joinReply, pageOf, type GroupRouteDeps } from './group-replies.js'

const GroupParams = Type.Object({ id: Id })

/** Groups as wholes; membership routes are in `group-member-routes.ts`. */
export function registerGroupRoutes(app: FastifyInstance, deps: GroupRouteDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { groups, members, files } = deps

  r.post(
    '/api/v1/groups',
    {
      schema: {
        tags: ['groups'],
        summary: 'Create a group (I am its owner)',
        description:
          'Of `memberIds`, my friends join at once (as many as the limit allows), other users get an invitation; ' +
          'every id is reported in `added`, `invited` or `refused` (with a code). `maxMembers` may only lower the ' +
          'configured limit: a higher value is 403 `group.limit_raise_forbidden`.',
        body: CreateGroupBody,
        response: withErrors({ 201: Type.Object({ group: Group, ...MemberReport }) }, [400, 401, 403]),
      },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const { avatar, ...body } = request.body
      if (avatar && files) await files.ownImage(user.id, avatar)
      const { group, report } = await groups.create(user, { ...body, avatarFileId: avatar })
      if (avatar && files) await files.setAvatar(user.id, { kind: 'group_avatar', refId: group.id, fileId: avatar }, async () => {})
      return reply.code(201).send({ group: groupView(group, { member: true, myRole: 'owner' }), ...report })
    },
  )

  r.get(
    '/api/v1/groups',
    {
      schema: {
        tags: ['groups'],
        summary: 'My groups; with `q`, search open and approval groups by name prefix',
        querystring: Type.Object(
          { q: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), ...PageQuery },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Page(Group) }),
      },
    },
    async (request) => {
      const userId = principalOf(request).user.id
      const page = pageOf(request.query)
      if (request.query.q !== undefined) {
        const found = await groups.search(request.query.q, page)
        return { items: found.items.map((g) => groupView(g, { member: false })), nextCursor: found.nextCursor }
      }
      const mine = await groups.listMine(userId, page)
      return { items: mine.items.map(({ group, role }) => groupView(group, { member: true, myRole: role })), nextCursor: mine.nextCursor }
    },
  )

  r.get(
    '/api/v1/groups/:id',
    {
      schema: {
        tags: ['groups'],
        summary: 'A group: the whole profile for members, the public one for others (invite-only groups: 404 to non-members)',
        params: GroupParams,
        response: withErrors({ 200: Group }, [400, 401, 404]),
      },
    },
    async (request) => {
      const { group, myRole } = await groups.get(principalOf(request).user.id, request.params.id)
      return myRole ? groupView(group, { member: true, myRole }) : groupView(group, { member: false })
    },
  )

  r.patch(
    '/api/v1/groups/:id',
    {
      schema: {
        tags: ['groups'],
        summary: 'Edit the profile (owner and admins); members are told with a system message and group.updated',
        params: GroupParams,
        body: PatchGroupBody,
        response: withErrors({ 200: Group }, [400, 401, 403, 404]),
      },
    },
    async (request) => {
      const { avatar, ...patch } = request.body
      const userId = principalOf(request).user.id
      const update = () => groups.update(userId, request.params.id, { ...patch, avatarFileId: avatar })
      const { group, myRole } =
        avatar === undefined || !files
          ? await update()
          : await files.setAvatar(userId, { kind: 'group_avatar', refId: request.params.id, fileId: avatar }, update)
      return groupView(group, { member: true, myRole })
    },
  )

  r.delete(
    '/api/v1/groups/:id',
    {
      schema: {
        tags: ['groups'],
        summary: 'Dissolve the group (owner only): every membership ends; afterwards the group is 404 to everyone',
        params: GroupParams,
        response: withErrors({ 204: Type.Null() }, [400, 401, 403, 404]),
      },
    },
    async (request, reply) => {
      await groups.dissolve(principalOf(request).user.id, request.params.id)
      return reply.code(204).send(null)
    },
  )

  r.post(
    '/api/v1/groups/:id/join',
    {
      schema: {
        tags: ['groups'],
        summary: 'Join by the group’s policy',
        description:
          '`open`: 200, I am a member. `approval`: 202 with a pending join request (the same one if asked again). ' +
          '`invite`: 422 `group.invite_only`. Banned: 422 `group.banned`; full: 422 `group.member_limit`; ' +
          'already a member: 409 `group.already_member`.',
        params: GroupParams,
        body: Type.Union([
          Type.Object({ message: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
          Type.Null(),
        ]),
        response: withErrors(JoinOutcomeSchema, [400, 401, 404, 409, 422]),
      },
    },
    async (request, reply) => {
      const { user } = principalOf(request)
      const { status, body } = joinReply(await members.join(user, request.params.id, request.body?.message ?? ''))
      return reply.code(status).send(body)
    },
  )

  r.post(
    '/api/v1/groups/:id/leave',
    {
      schema: {
        tags: ['groups'],
        summary: 'Leave the group (the owner must transfer it first: 422 group.owner_must_transfer)',
        params: GroupParams,
        response: withErrors({ 204: Type.Null() }, [400, 401, 404, 422]),
      },
    },
    async (request, reply) => {
      await members.leave(principalOf(request).user.id, request.params.id)
      return reply.code(204).send(null)
    },
  )

  r.post(
    '/api/v1/groups/:id/transfer',
    {
      schema: {
        tags: ['groups'],
        summary: 'Make another member the owner (owner only); I become an admin',
        params: GroupParams,
        body: Type.Object({ userId: Id }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ group: Group }) }, [400, 401, 403, 404]),
      },
    },
    async (request) => {
      const group = await groups.transfer(principalOf(request).user.id, request.params.id, request.body.userId)
      return { group: groupView(group, { member: true, myRole: 'admin' }) }
    },
  )

  r.put(
    '/api/v1/admin/groups/:id/member-limit',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Set a group’s member limit, above the configured one too (system admins; audited)',
        params: GroupParams,
        body: Type.Object({ maxMembers: Type.Integer({ minimum: 2, maximum: 1_000_000 }) }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ group: Group }) }, [400, 401, 403, 404]),
      },
    },
    async (request) => {
      const actorId = principalOf(request).user.id
      const group = await groups.setMemberLimit(actorId, request.params.id, request.body.maxMembers)
      await deps.admin.record(actorId, 'group.member_limit_set', group.id, { maxMembers: group.maxMembers })
      return { group: groupView(group, { member: true }) }
    },
  )

  registerGroupMemberRoutes(app, deps)
}
