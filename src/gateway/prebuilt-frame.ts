import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'

/**
 * Fan-out writes one event to hundreds of sockets. `ws.send` frames the payload again for every
 * socket (a header Buffer, cork, two writes, uncork: a `writev` of two chunks); a frame built once
 * per event (header + payload in one Buffer, unmasked as a server's frames are) and written to each
 * socket's stream as is costs 15-35% less CPU per delivery (bench/profiles/send-path.md).
 */

/** the frame of each fan-out payload, built by the first socket that writes it */
const frames = new WeakMap<Buffer, Buffer>()

/** The complete text frame (FIN, opcode 1, no mask) carrying `payload`, built once per payload. */
export function textFrameOf(payload: Buffer): Buffer {
  let frame = frames.get(payload)
  if (frame === undefined) {
    frame = buildTextFrame(payload)
    frames.set(payload, frame)
  }
  return frame
}

function buildTextFrame(payload: Buffer): Buffer {
  const length = payload.length
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + length)
  frame[0] = 0x81
  if (length < 126) {
    frame[1] = length
  } else if (length < 65536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  payload.copy(frame, headerLength)
  return frame
}

/** The parts of `ws`'s WebSocket and Sender (8.x) whose state says a frame may bypass them. */
interface WsInternals {
  _socket?: Socket
  _extensions?: Record<string, unknown>
  _sender?: { _state?: number; _queue?: unknown[]; _firstFragment?: boolean } | null
}

/**
 * The socket a prebuilt frame may be written to directly, or null when it must go through
 * `ws.send`: a compressed connection (a frame needs its own deflate), the sender busy (a frame
 * queued behind a deflate or a Blob read must keep its place) or in the middle of a fragmented
 * message, or any of these internals not where `ws` 8 keeps them.
 */
export function directSocketOf(ws: WebSocket): Socket | null {
  // ws.send refuses a frame once the closing handshake began; a direct write must too (no data after a close frame)
  if (ws.readyState !== ws.OPEN) return null
  const internals = ws as unknown as WsInternals
  const sender = internals._sender
  if (!sender || sender._state !== 0 || sender._queue?.length !== 0 || sender._firstFragment !== true) return null
  if (!internals._extensions || Object.keys(internals._extensions).length > 0) return null
  const socket = internals._socket
  return socket && socket.writable ? socket : null
}
