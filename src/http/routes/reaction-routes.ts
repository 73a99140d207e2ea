import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ReactionUsersPage } from '@jim/protocol'
import type { ReactionService } from '../../domain/messages/reaction-service.js'
import { messageView } from '../../domain/messages/message-view.js'
import { principalOf } from '../auth-hook.js'
import { withErrors } from '../schemas/common.js'

const Message = Type.Ref('Message')
const Params = Type.Object({
  id: Type.String({ maxLength: 64 }),
  seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  emoji: Type.String({ minLength: 1, maxLength: 64, description: 'one emoji, URL-encoded' }),
})

/** Emoji reactions on one message: add, remove, and who reacted. */
export function registerReactionRoutes(app: FastifyInstance, deps: { reactions: ReactionService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { reactions } = deps
  const tags = ['messages']
  const path = '/api/v1/conversations/:id/messages/:seq/reactions/:emoji'

  r.put(
    path,
    {
      schema: {
        tags,
        summary: 'React with an emoji (idempotent); members get message.reaction',
        params: Params,
        response: withErrors({ 200: Type.Object({ message: Message }) }, [400, 401, 404, 422, 429]),
      },
    },
    async (request) => {
      const { id, seq, emoji } = request.params
      return { message: messageView(await reactions.add(principalOf(request).user.id, id, seq, emoji)) }
    },
  )

  r.delete(
    path,
    {
      schema: {
        tags,
        summary: 'Take my reaction back (idempotent); members get message.reaction',
        params: Params,
        response: withErrors({ 200: Type.Object({ message: Message }) }, [400, 401, 404, 422, 429]),
      },
    },
    async (request) => {
      const { id, seq, emoji } = request.params
      return { message: messageView(await reactions.remove(principalOf(request).user.id, id, seq, emoji)) }
    },
  )

  r.get(
    path,
    {
      schema: {
        tags,
        summary: 'Who reacted with this emoji, ordered by user id (cursor: the last id of the previous page)',
        params: Params,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            cursor: Type.Optional(Type.String({ maxLength: 26 })),
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: ReactionUsersPage }, [400, 401, 404]),
      },
    },
    async (request) => {
      const { id, seq, emoji } = request.params
      const { limit = 50, cursor } = request.query
      return reactions.users(principalOf(request).user.id, id, seq, emoji, limit, cursor ?? null)
    },
  )
}
