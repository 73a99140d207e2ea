import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { ForwardService } from '../../domain/messages/forward-service.js'
import type { HideService } from '../../domain/messages/hide-service.js'
import { messageView } from '../../domain/messages/message-view.js'
import { principalOf } from '../auth-hook.js'
import { withErrors } from '../schemas/common.js'

const Message = Type.Ref('Message')
const Id = Type.String({ maxLength: 64 })
const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })

/** Delete for me and forwarding: what one user does with messages, for themselves or elsewhere. */
export function registerForwardRoutes(app: FastifyInstance, deps: { forwards: ForwardService; hides: HideService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { forwards, hides } = deps
  const tags = ['messages']

  r.put(
    '/api/v1/conversations/:id/messages/:seq/hidden',
    {
      schema: {
        tags,
        summary: 'Delete a message for me: hidden on all my devices (they get message.hidden), others keep it; idempotent',
        params: Type.Object({ id: Id, seq: Seq }),
        response: withErrors({ 204: Type.Null() }, [400, 401, 404, 429]),
      },
    },
    async (request, reply) => {
      await hides.hide(principalOf(request).user.id, request.params.id, request.params.seq)
      return reply.code(204).send(null)
    },
  )

  r.post(
    '/api/v1/conversations/:id/forward',
    {
      schema: {
        tags,
        summary:
          'Forward messages of this conversation to others I may post in: one by one (copies naming the original sender) or merged into one chat history (type "forward")',
        params: Type.Object({ id: Id }),
        body: Type.Object(
          {
            seqs: Type.Array(Seq, { minItems: 1, maxItems: 200, description: 'the messages, by seq' }),
            targets: Type.Array(Id, { minItems: 1, maxItems: 50, description: 'conversation ids to forward to' }),
            mode: Type.Union([Type.Literal('single'), Type.Literal('merged')]),
            clientMsgId: Type.String({
              minLength: 1,
              maxLength: 56,
              description:
                'idempotency key: a retry returns the copies already stored and stores only the missing ones, never one twice (single copies use `<key>:<index>`)',
            }),
          },
          { additionalProperties: false },
        ),
        response: withErrors(
          { 200: Type.Object({ results: Type.Array(Type.Object({ conversationId: Id, messages: Type.Array(Message) })) }) },
          [400, 401, 404, 413, 422, 429],
        ),
      },
    },
    async (request) => {
      const results = await forwards.forward(principalOf(request).user.id, request.params.id, request.body)
      return { results: results.map((x) => ({ conversationId: x.conversationId, messages: x.messages.map(messageView) })) }
    },
  )
}
