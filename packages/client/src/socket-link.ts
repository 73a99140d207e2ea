/**
 * What a JimSocket is made of on the wire side: the WebSocket shape it drives, its states and
 * events, its options and the close codes of the API contract.
 */
import type { Message, ServerFrame, ServerFrameOf } from '@jim/protocol'
import type { BackoffOptions, Timers } from './backoff.js'

/** The part of a WebSocket this module uses (handler params are `any` so DOM and `ws` event types fit). */
/* eslint-disable @typescript-eslint/no-explicit-any -- DOM Event and `ws` event types differ */
export interface SocketLike {
  onopen: ((event: any) => void) | null
  onmessage: ((event: any) => void) | null
  onclose: ((event: any) => void) | null
  onerror: ((event: any) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type SocketFactory = (url: string) => SocketLike

/** The one connection state. `connecting` covers opening and authenticating. */
export type SocketState = 'disconnected' | 'connecting' | 'connected'

export type SocketEvent =
  /** the state changed; while disconnected and retrying, `retryAt` says when (epoch ms) */
  | { kind: 'state'; state: SocketState; retryAt: number | null; attempt: number; stopped: boolean }
  /** authenticated; `reconnected` is false only for the first connection after `start` */
  | { kind: 'ready'; frame: ServerFrameOf<'ready'>; reconnected: boolean }
  /** a new message, once, in seq order per conversation */
  | { kind: 'message'; message: Message }
  /** the client must page history itself for this conversation (too much missed, or a hole resume did not fill) */
  | { kind: 'repair'; conversationId: string; lastSeq: number | null }
  /** the session is gone: sign in again */
  | { kind: 'revoked'; reason: string }
  /** every other server frame */
  | { kind: 'frame'; frame: ServerFrame }

export interface SocketOptions {
  /** ws(s)://host/api/v1/ws */
  url: string
  /** makes a socket; default: `new WebSocket(url)` with the global constructor */
  factory?: SocketFactory
  timers?: Timers
  random?: () => number
  backoff?: BackoffOptions
  /** how long a hole may wait for `resume` before the client pages history (ms) */
  gapWaitMs?: number
  /** heartbeat when the server does not say (ms) */
  heartbeatMs?: number
  /** the last modSeq seen of a conversation, when the app tracks it itself (else the socket's own record) */
  modSeqOf?: (conversationId: string) => number | undefined
}

/** Close codes of the API contract. */
export const CloseCodes = { normal: 1000, goingAway: 1001, notAuthenticated: 4001 } as const

/** `new WebSocket(url)` with the global constructor (browsers, Node 22+). */
export function globalSocketFactory(): SocketFactory {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket
  if (!Ctor) throw new Error('No global WebSocket: pass a constructor, e.g. `WebSocket` from the "ws" package.')
  return (url) => new Ctor(url)
}

/** Takes every handler off a socket we are done with (its late events must not reach us). */
export function detach(ws: SocketLike): void {
  ws.onopen = null
  ws.onmessage = null
  ws.onclose = null
  ws.onerror = null
}

/** Closes a socket, ignoring one that is closed already. */
export function closeQuietly(ws: SocketLike, code: number, reason: string): void {
  try {
    ws.close(code, reason)
  } catch {
    // already closed
  }
}
