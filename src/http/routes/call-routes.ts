import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Call, IceServers } from '@jim/protocol'
import type { CallService } from '../../domain/calls/call-service.js'
import { iceServersFor, type IceSettings } from '../../domain/calls/turn-credentials.js'
import type { Clock } from '../../shared/clock.js'
import { principalOf } from '../auth-hook.js'
import { withErrors } from '../schemas/common.js'

const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })

/** Calls over HTTP: ICE servers with a TURN credential, and the call running in a conversation. */
export function registerCallRoutes(app: FastifyInstance, deps: { calls: CallService; ice: IceSettings; clock: Clock }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['calls']

  r.get(
    '/api/v1/calls/ice-servers',
    {
      schema: {
        tags,
        summary:
          'STUN and TURN servers for a call, with a short-lived TURN credential signed for me (TURN REST scheme: username `expiry:userId`, password base64 HMAC-SHA1 with the shared secret)',
        response: withErrors({ 200: IceServers }, [401, 429]),
      },
    },
    async (request, reply) => {
      // a credential is a secret for its lifetime: never cached by a proxy or the browser
      void reply.header('cache-control', 'no-store')
      return iceServersFor(principalOf(request).user.id, deps.ice, deps.clock.now())
    },
  )

  r.get(
    '/api/v1/conversations/:id/call',
    {
      schema: {
        tags,
        summary: 'The call running in a conversation I am a member of (null when none): to join a group call after a reload',
        params: Params,
        response: withErrors({ 200: Type.Object({ call: Type.Union([Call, Type.Null()]) }) }, [400, 401, 404]),
      },
    },
    async (request) => {
      const call = await deps.calls.runningIn(principalOf(request).user.id, request.params.id)
      return { call: call ? deps.calls.view(call) : null }
    },
  )
}
