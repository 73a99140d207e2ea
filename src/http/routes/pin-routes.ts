import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Pin, PinnedMessage } from '@jim/protocol'
import { pinView } from '../../domain/conversations/conversation-view.js'
import { messageView } from '../../domain/messages/message-view.js'
import type { PinService } from '../../domain/messages/pin-service.js'
import { principalOf } from '../auth-hook.js'
import { withErrors } from '../schemas/common.js'

const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const SeqParams = Type.Object({ id: Type.String({ maxLength: 64 }), seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) })
const Pins = Type.Object({ pins: Type.Array(Pin) })

/** Pinned messages of a conversation: list, pin, unpin. */
export function registerPinRoutes(app: FastifyInstance, deps: { pins: PinService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { pins } = deps
  const tags = ['messages']

  r.get(
    '/api/v1/conversations/:id/pins',
    {
      schema: {
        tags,
        summary: 'The pinned messages I may see, newest pin first, with their messages',
        params: Params,
        response: withErrors({ 200: Type.Object({ items: Type.Array(PinnedMessage) }) }, [400, 401, 404]),
      },
    },
    async (request) => {
      const items = await pins.pinnedMessages(principalOf(request).user.id, request.params.id)
      return { items: items.map((p) => ({ ...pinView(p), message: messageView(p.message) })) }
    },
  )

  r.put(
    '/api/v1/conversations/:id/pins/:seq',
    {
      schema: {
        tags,
        summary: 'Pin a message (group owner/admin, either side of a direct chat); idempotent; leaves a system message',
        params: SeqParams,
        response: withErrors({ 200: Pins }, [400, 401, 403, 404, 422, 429]),
      },
    },
    async (request) => ({
      pins: (await pins.pin(principalOf(request).user.id, request.params.id, request.params.seq)).map(pinView),
    }),
  )

  r.delete(
    '/api/v1/conversations/:id/pins/:seq',
    {
      schema: {
        tags,
        summary: 'Unpin a message (same roles as pinning); idempotent; leaves a system message',
        params: SeqParams,
        response: withErrors({ 200: Pins }, [400, 401, 403, 404, 422, 429]),
      },
    },
    async (request) => ({
      pins: (await pins.unpin(principalOf(request).user.id, request.params.id, request.params.seq)).map(pinView),
    }),
  )
}
