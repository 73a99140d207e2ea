/**
 * @jim/client: the JIM client SDK for browsers and Node. `JimClient` wires the pieces; each is
 * usable alone: `ApiClient` (typed REST), `JimSocket` (auth, heartbeat, reconnect, resume, gap
 * fill, dedupe), `Outbox` (sends over the socket or HTTP, retried with the same clientMsgId).
 */
export * from './api.js'
export * from './backoff.js'
export * from './client.js'
export * from './outbox.js'
export type * from './rest-types.js'
export * from './sequencer.js'
export * from './socket.js'
export type * from '@jim/protocol'
