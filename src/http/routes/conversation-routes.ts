import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { ConversationService } from '../../domain/conversations/conversation-service.js'
import type { SignalService } from '../../domain/conversations/signal-service.js'
import { principalOf } from '../auth-hook.js'
import { PageQuery, withErrors } from '../schemas/common.js'

const Conversation = Type.Ref('Conversation')
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })

export function registerConversationRoutes(
  app: FastifyInstance,
  deps: { conversations: ConversationService; signals: SignalService },
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { conversations, signals } = deps
  const tags = ['conversations']

  r.get(
    '/api/v1/conversations',
    {
      schema: {
        tags,
        summary: 'My conversations: pinned first, then by last activity',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: withErrors({
          200: Type.Object({ items: Type.Array(Conversation), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
        }),
      },
    },
    async (request) => conversations.list(principalOf(request).user.id, request.query.limit ?? 50, request.query.cursor ?? null),
  )

  r.get(
    '/api/v1/conversations/world',
    { schema: { tags, summary: 'The world channel', response: withErrors({ 200: Conversation }) } },
    async (request) => conversations.world(principalOf(request).user.id),
  )

  r.put(
    '/api/v1/conversations/direct/:userId',
    {
      schema: {
        tags,
        summary: 'Get or create the direct conversation with a friend',
        params: Type.Object({ userId: Type.String({ maxLength: 64 }) }),
        response: withErrors({ 200: Conversation }, [400, 401, 404, 422]),
      },
    },
    async (request) => conversations.openDirect(principalOf(request).user.id, request.params.userId),
  )

  r.get(
    '/api/v1/conversations/:id',
    {
      schema: {
        tags,
        summary: 'One conversation (members only), with how far the others have read (`reads`)',
        params: Params,
        response: withErrors({ 200: Conversation }, [401, 404]),
      },
    },
    async (request) => {
      const userId = principalOf(request).user.id
      const view = await conversations.get(request.params.id, userId)
      const reads = await signals.readPositions(userId, request.params.id)
      return reads ? { ...view, reads } : view
    },
  )

  r.patch(
    '/api/v1/conversations/:id',
    {
      schema: {
        tags,
        summary: 'Pin or mute a conversation for me (my other devices are told)',
        params: Params,
        body: Type.Object(
          { pinned: Type.Optional(Type.Boolean()), muted: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: withErrors({ 200: Conversation }, [400, 401, 404]),
      },
    },
    async (request) => {
      const p = principalOf(request)
      return conversations.updatePrefs(p.user.id, p.session.id, request.params.id, request.body)
    },
  )

  r.post(
    '/api/v1/conversations/:id/read',
    {
      schema: {
        tags,
        summary: 'Mark read up to seq (never moves back)',
        params: Params,
        body: Type.Object({ seq: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ readSeq: Type.Integer() }) }, [400, 401, 404]),
      },
    },
    async (request) => ({ readSeq: await signals.markRead(principalOf(request).user.id, request.params.id, request.body.seq) }),
  )

  r.delete(
    '/api/v1/conversations/:id/messages',
    { schema: { tags, summary: 'Clear my copy of the history', params: Params, response: withErrors({ 204: Type.Null() }, [401, 404]) } },
    async (request, reply) => {
      const p = principalOf(request)
      await conversations.clearHistory(p.user.id, p.session.id, request.params.id)
      return reply.code(204).send(null)
    },
  )
}
