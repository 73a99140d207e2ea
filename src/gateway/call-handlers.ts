import type { CallService } from '../domain/calls/call-service.js'
import type { WsGateway } from './ws-gateway.js'

/**
 * The `call.*` client frames: each runs one CallService step for this socket. start, join,
 * decline and leave are answered with the call as it now is (`call.updated` with `replyTo`);
 * the others hear it through the broker like every change. Refusals are the gateway's `error`.
 */
export function registerCallHandlers(gateway: WsGateway, calls: CallService): void {
  gateway.onFrame('call.start', async (conn, f) => {
    const call = await calls.start(conn.userId, conn.id, f.conversationId, f.media)
    conn.send({ type: 'call.updated', call: calls.view(call), replyTo: f.id ?? null })
  })
  gateway.onFrame('call.join', async (conn, f) => {
    const call = await calls.join(conn.userId, conn.id, f.callId)
    conn.send({ type: 'call.updated', call: calls.view(call), replyTo: f.id ?? null })
  })
  gateway.onFrame('call.decline', async (conn, f) => {
    const call = await calls.decline(conn.userId, f.callId)
    conn.send({ type: 'call.updated', call: calls.view(call), replyTo: f.id ?? null })
  })
  gateway.onFrame('call.leave', async (conn, f) => {
    const call = await calls.leave(conn.userId, conn.id, f.callId)
    conn.send({ type: 'call.updated', call: calls.view(call), replyTo: f.id ?? null })
  })
  gateway.onFrame('call.signal', (conn, f) => calls.signal(conn.userId, conn.id, f))
  gateway.onFrame('call.media', (conn, f) => calls.media(conn.userId, conn.id, f))
  gateway.onSocketClosed((conn) => calls.socketClosed(conn.id))
}
