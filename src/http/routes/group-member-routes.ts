import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { principalOf } from '../auth-hook.js'
import { Id, Page, PageQuery, withErrors } from '../schemas/common.js'
import { Ban, Invitation, JoinOutcome, JoinRequest, Member, MemberReport, PatchMemberBody, UserIds } from '../schemas/group-schemas.js'
import { joinReply, pageOf, type GroupRouteDeps } from './group-replies.js'

const GroupParams = Type.Object({ id: Id })
const MemberParams = Type.Object({ id: Id, userId: Id })
const RequestParams = Type.Object({ id: Id, requestId: Id })
const Paging = Type.Object({ ...PageQuery }, { additionalProperties: false })

/** Members, invitations, join requests and bans of groups. */
export function registerGroupMemberRoutes(app: FastifyInstance, deps: GroupRouteDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { members } = deps

  r.get(
    '/api/v1/groups/:id/members',
    {
      schema: {
        tags: ['groups'],
        summary: 'Current members (members only), by user id',
        params: GroupParams,
        querystring: Paging,
        response: withErrors({ 200: Page(Member) }, [400, 401, 404]),
      },
    },
    async (request) => members.listMembers(principalOf(request).user.id, request.params.id, pageOf(request.query)),
  )

  r.post(
    '/api/v1/groups/:id/members',
    {
      schema: {
        tags: ['groups'],
        summary: 'Invite people',
        description:
          'My friends join at once in `open` and `invite` groups, and in `approval` groups when I am owner or admin; ' +
          'anyone else gets an invitation (accepting a plain member’s invitation to an `approval` group files a join ' +
          'request). Every id is reported in `added`, `invited` or `refused`.',
        params: GroupParams,
        body: Type.Object({ userIds: UserIds }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object(MemberReport) }, [400, 401, 404]),
      },
    },
    async (request) => members.invite(principalOf(request).user, request.params.id, request.body.userIds),
  )

  r.patch(
    '/api/v1/groups/:id/members/:userId',
    {
      schema: {
        tags: ['groups'],
        summary: 'Change a member’s role (owner), mute (owner/admin on lower rank) or group nickname (own, or by higher rank)',
        params: MemberParams,
        body: PatchMemberBody,
        response: withErrors({ 200: Member }, [400, 401, 403, 404]),
      },
    },
    async (request) => {
      const { mutedUntil, ...rest } = request.body
      return members.updateMember(principalOf(request).user.id, request.params.id, request.params.userId, {
        ...rest,
        mutedUntil: mutedUntil === undefined ? undefined : mutedUntil === null ? null : Date.parse(mutedUntil),
      })
    },
  )

  r.delete(
    '/api/v1/groups/:id/members/:userId',
    {
      schema: {
        tags: ['groups'],
        summary: 'Remove a lower-ranked member (owner/admin); ban=true also bans them (or bans a non-member from joining)',
        params: MemberParams,
        querystring: Type.Object({ ban: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: withErrors({ 204: Type.Null() }, [400, 401, 403, 404]),
      },
    },
    async (request, reply) => {
      await members.removeMember(principalOf(request).user.id, request.params.id, request.params.userId, request.query.ban ?? false)
      return reply.code(204).send(null)
    },
  )

  r.get(
    '/api/v1/groups/:id/bans',
    {
      schema: {
        tags: ['groups'],
        summary: 'Banned users (owner/admin)',
        params: GroupParams,
        querystring: Paging,
        response: withErrors({ 200: Page(Ban) }, [400, 401, 403, 404]),
      },
    },
    async (request) => members.listBans(principalOf(request).user.id, request.params.id, pageOf(request.query)),
  )

  r.delete(
    '/api/v1/groups/:id/bans/:userId',
    {
      schema: {
        tags: ['groups'],
        summary: 'Lift a ban (owner/admin)',
        params: MemberParams,
        response: withErrors({ 204: Type.Null() }, [400, 401, 403, 404]),
      },
    },
    async (request, reply) => {
      await members.liftBan(principalOf(request).user.id, request.params.id, request.params.userId)
      return reply.code(204).send(null)
    },
  )

  r.get(
    '/api/v1/groups/:id/join-requests',
    {
      schema: {
        tags: ['groups'],
        summary: 'Pending join requests, oldest first (owner/admin)',
        params: GroupParams,
        querystring: Paging,
        response: withErrors({ 200: Page(JoinRequest) }, [400, 401, 403, 404]),
      },
    },
    async (request) => members.listJoinRequests(principalOf(request).user.id, request.params.id, pageOf(request.query)),
  )

  r.post(
    '/api/v1/groups/:id/join-requests/:requestId/approve',
    {
      schema: {
        tags: ['groups'],
        summary: 'Approve a join request (owner/admin): the requester joins',
        params: RequestParams,
        response: withErrors({ 200: Type.Object({ member: Member }) }, [400, 401, 403, 404, 409, 422]),
      },
    },
    async (request) => ({
      member: await members.approveJoinRequest(principalOf(request).user.id, request.params.id, request.params.requestId),
    }),
  )

  r.post(
    '/api/v1/groups/:id/join-requests/:requestId/reject',
    {
      schema: {
        tags: ['groups'],
        summary: 'Reject a join request (owner/admin)',
        params: RequestParams,
        response: withErrors({ 204: Type.Null() }, [400, 401, 403, 404, 409]),
      },
    },
    async (request, reply) => {
      await members.rejectJoinRequest(principalOf(request).user.id, request.params.id, request.params.requestId)
      return reply.code(204).send(null)
    },
  )

  r.get(
    '/api/v1/me/group-invitations',
    {
      schema: {
        tags: ['groups'],
        summary: 'Pending invitations to me, newest first',
        querystring: Paging,
        response: withErrors({ 200: Page(Invitation) }),
      },
    },
    async (request) => members.listMyInvitations(principalOf(request).user.id, pageOf(request.query)),
  )

  r.post(
    '/api/v1/me/group-invitations/:id/accept',
    {
      schema: {
        tags: ['groups'],
        summary: 'Accept an invitation: 200 joined, or 202 with a join request (a plain member’s invitation to an approval group)',
        params: GroupParams,
        response: withErrors(JoinOutcome, [400, 401, 404, 409, 422]),
      },
    },
    async (request, reply) => {
      const { status, body } = joinReply(await members.acceptInvitation(principalOf(request).user, request.params.id))
      return reply.code(status).send(body)
    },
  )

  r.post(
    '/api/v1/me/group-invitations/:id/reject',
    {
      schema: {
        tags: ['groups'],
        summary: 'Decline an invitation',
        params: GroupParams,
        response: withErrors({ 204: Type.Null() }, [400, 401, 404, 409]),
      },
    },
    async (request, reply) => {
      await members.rejectInvitation(principalOf(request).user.id, request.params.id)
      return reply.code(204).send(null)
    },
  )
}
