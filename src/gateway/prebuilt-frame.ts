import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'

/**
 * Frames written straight to the socket. `ws.send` frames each payload on its own (a header Buffer,
 * cork, two writes, uncork: a `writev` of two chunks); a frame built in one Buffer (header +
 * payload, unmasked as a server's frames are) and written as is costs less per frame: for fan-out
 * 15-35% less CPU per delivery, the frame of a shared payload being built once for all its
 * recipients; for a reply to one socket (a string) one write instead of a cork and a writev
 * (bench/profiles/send-path.md, bench/RESULTS.md).
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

/** The text frame of a reply to one socket: header and UTF-8 payload written into one Buffer. */
export function textFrameOfString(payload: string): Buffer {
  const length = Buffer.byteLength(payload)
  const frame = Buffer.allocUnsafe(headerLength(length) + length)
  frame.write(payload, writeHeader(frame, length))
  return frame
}

function buildTextFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(headerLength(payload.length) + payload.length)
  payload.copy(frame, writeHeader(frame, payload.length))
  return frame
}

function headerLength(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10
}

/** Writes the header of an unmasked final text frame of `length` bytes; returns where the payload starts. */
function writeHeader(frame: Buffer, length: number): number {
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
  return headerLength(length)
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
