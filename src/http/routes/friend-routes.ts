import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FriendService } from '../../domain/friends/friend-service.js'
import { principalOf } from '../auth-hook.js'
import { Id, Page, PageQuery, withErrors } from '../schemas/common.js'
import { BlockedUser, Friend, FriendRequest, Greeting, Note, Remark } from '../schemas/friend-schemas.js'
import { blockView, friendRequestView, friendView } from './friend-views.js'

const UserIdParams = Type.Object({ userId: Id })
const RequestIdParams = Type.Object({ id: Id })
const RequestBody = Type.Object({ request: FriendRequest })

export function registerFriendRoutes(app: FastifyInstance, deps: { friends: FriendService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { friends } = deps
  const page = (q: { limit?: number; cursor?: string }) => ({ limit: q.limit ?? 50, cursor: q.cursor ?? null })

  r.get(
    '/api/v1/friends',
    {
      schema: {
        tags: ['friends'],
        summary: 'My friends with remark, profile and presence (an invisible friend shows as offline)',
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: withErrors({ 200: Page(Friend) }),
      },
    },
    async (request) => {
      const result = await friends.listFriends(principalOf(request).user.id, page(request.query))
      return { items: result.items.map(friendView), nextCursor: result.nextCursor }
    },
  )

  r.patch(
    '/api/v1/friends/:userId',
    {
      schema: {
        tags: ['friends'],
        summary: 'Set my remark for a friend (empty clears it)',
        params: UserIdParams,
        body: Type.Object({ remark: Remark }, { additionalProperties: false }),
        response: withErrors({ 200: Friend }, [400, 401, 404]),
      },
    },
    async (request) => friendView(await friends.setRemark(principalOf(request).user.id, request.params.userId, request.body.remark)),
  )

  r.delete(
    '/api/v1/friends/:userId',
    {
      schema: {
        tags: ['friends'],
        summary:
          'Remove a friend (both sides); deleteHistory=true also clears my copy of our direct history, and with forBoth=true the friend’s copy too',
        params: UserIdParams,
        querystring: Type.Object(
          { deleteHistory: Type.Optional(Type.Boolean()), forBoth: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: withErrors({ 204: Type.Null() }, [400, 401, 404]),
      },
    },
    async (request, reply) => {
      await friends.removeFriend(principalOf(request).user.id, request.params.userId, {
        deleteHistory: request.query.deleteHistory ?? false,
        forBoth: request.query.forBoth ?? false,
      })
      return reply.code(204).send(null)
    },
  )

  r.post(
    '/api/v1/friend-requests',
    {
      schema: {
        tags: ['friends'],
        summary: 'Ask someone to be my friend',
        description:
          '201 with the new pending request. If that user already has a pending request to me, it is accepted instead: ' +
          '200 with that request, status `accepted` (my note and greeting are dropped). A second request while mine is ' +
          'pending: 409 `friend_request.pending` with `details.requestId`. Myself: 400 `friend.self`; unknown, deleted or ' +
          'disabled user: 404 `user.not_found`; friends already: 409 `friend.already_friends`; a block either way: 422 `friend.blocked`.',
        body: Type.Object({ userId: Id, note: Type.Optional(Note), greeting: Type.Optional(Greeting) }, { additionalProperties: false }),
        response: withErrors({ 200: RequestBody, 201: RequestBody }, [400, 401, 404, 409, 422]),
      },
    },
    async (request, reply) => {
      const { outcome, request: sent } = await friends.sendRequest(principalOf(request).user.id, request.body)
      return reply.code(outcome === 'created' ? 201 : 200).send({ request: friendRequestView(sent) })
    },
  )

  r.get(
    '/api/v1/friend-requests',
    {
      schema: {
        tags: ['friends'],
        summary: 'Requests to me (incoming, the default) or from me (outgoing): pending ones and those answered in the last 30 days',
        querystring: Type.Object(
          { box: Type.Optional(Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')])), ...PageQuery },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Page(FriendRequest) }),
      },
    },
    async (request) => {
      const result = await friends.listRequests(principalOf(request).user.id, request.query.box ?? 'incoming', page(request.query))
      return { items: result.items.map(friendRequestView), nextCursor: result.nextCursor }
    },
  )

  r.post(
    '/api/v1/friend-requests/:id/accept',
    {
      schema: {
        tags: ['friends'],
        summary: 'Accept a request to me: we become friends and the greeting is posted',
        params: RequestIdParams,
        response: withErrors({ 200: RequestBody }, [400, 401, 404, 409, 422]),
      },
    },
    async (request) => ({ request: friendRequestView(await friends.accept(principalOf(request).user.id, request.params.id)) }),
  )

  r.post(
    '/api/v1/friend-requests/:id/reject',
    {
      schema: {
        tags: ['friends'],
        summary: 'Reject a request to me',
        params: RequestIdParams,
        response: withErrors({ 200: RequestBody }, [400, 401, 404, 409]),
      },
    },
    async (request) => ({ request: friendRequestView(await friends.reject(principalOf(request).user.id, request.params.id)) }),
  )

  r.delete(
    '/api/v1/friend-requests/:id',
    {
      schema: {
        tags: ['friends'],
        summary: 'Withdraw a request I sent',
        params: RequestIdParams,
        response: withErrors({ 204: Type.Null() }, [400, 401, 404, 409]),
      },
    },
    async (request, reply) => {
      await friends.withdraw(principalOf(request).user.id, request.params.id)
      return reply.code(204).send(null)
    },
  )

  r.get(
    '/api/v1/blocks',
    {
      schema: {
        tags: ['friends'],
        summary: 'Users I block',
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: withErrors({ 200: Page(BlockedUser) }),
      },
    },
    async (request) => {
      const result = await friends.listBlocks(principalOf(request).user.id, page(request.query))
      return { items: result.items.map(blockView), nextCursor: result.nextCursor }
    },
  )

  r.put(
    '/api/v1/blocks/:userId',
    {
      schema: {
        tags: ['friends'],
        summary: 'Block a user (idempotent): ends our friendship and closes pending requests between us',
        params: UserIdParams,
        response: withErrors({ 204: Type.Null() }, [400, 401, 404]),
      },
    },
    async (request, reply) => {
      await friends.block(principalOf(request).user.id, request.params.userId)
      return reply.code(204).send(null)
    },
  )

  r.delete(
    '/api/v1/blocks/:userId',
    {
      schema: {
        tags: ['friends'],
        summary: 'Lift a block (restores nothing)',
        params: UserIdParams,
        response: withErrors({ 204: Type.Null() }, [400, 401, 404]),
      },
    },
    async (request, reply) => {
      await friends.unblock(principalOf(request).user.id, request.params.userId)
      return reply.code(204).send(null)
    },
  )
}
