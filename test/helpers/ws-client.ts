import type { ClientFrame, ServerFrameOf, ServerFrameType } from '@jim/client'
import WebSocket from 'ws'

export interface Frame {
  type: string
  [key: string]: any
}

/**
 * A raw WebSocket that records every frame, so tests can wait for one (typed by @jim/protocol),
 * assert that none of a type arrived, send malformed frames and watch close codes. Tests of
 * client behaviour (reconnect, resume, gap fill, retried sends) use `JimClient` from @jim/client.
 */
export class TestSocket {
  readonly frames: Frame[] = []
  readonly ws: WebSocket
  readonly closed: Promise<{ code: number; reason: string }>
  #waiters: Array<() => void> = []

  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()))
      for (const w of this.#waiters.splice(0)) w()
    })
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    ws.once('close', () => {
      for (const w of this.#waiters.splice(0)) w()
    })
  }

  /** Opens a socket; with `token` it authenticates with the header and waits for `ready`. */
  static async open(
    wsUrl: string,
    options: { token?: string; authFrame?: string; origin?: string; waitReady?: boolean } = {},
  ): Promise<TestSocket> {
    const headers: Record<string, string> = {}
    if (options.token) headers.authorization = `Bearer ${options.token}`
    if (options.origin) headers.origin = options.origin
    const ws = new WebSocket(wsUrl, { headers })
    const socket = new TestSocket(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
    })
    if (options.authFrame) ws.send(JSON.stringify({ type: 'auth', token: options.authFrame } satisfies ClientFrame))
    if ((options.token || options.authFrame) && options.waitReady !== false) await socket.next('ready')
    return socket
  }

  /** Sends any object as JSON: well-formed frames and the deliberately wrong ones. */
  send(frame: ClientFrame | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame))
  }

  /** Sends `message.send` with a fresh ref and waits for its answer (`message.ack` or `error`). */
  sendMessage(conversationId: string, fields: Omit<MessageSendFields, 'ref'>) {
    const ref = `r${++refs}`
    this.send(messageSend(conversationId, { ...fields, ref }))
    return this.reply(ref)
  }

  /** Waits for the first not-yet-taken frame of `type` (any type if omitted) and takes it. */
  next<T extends ServerFrameType>(type: T, timeoutMs?: number): Promise<ServerFrameOf<T> & Frame>
  next(type?: string, timeoutMs?: number): Promise<Frame>
  next(type?: string, timeoutMs = 5000): Promise<Frame> {
    return this.take((f) => type === undefined || f.type === type, type ?? 'any', timeoutMs)
  }

  /** Waits for the answer to a frame sent with this `ref` (`message.ack` or `error`) and takes it. */
  reply(ref: string | number, timeoutMs = 5000): Promise<ServerFrameOf<'message.ack' | 'error'> & Frame> {
    return this.take<ServerFrameOf<'message.ack' | 'error'>>(
      (f) => f.ref === ref && (f.type === 'message.ack' || f.type === 'error'),
      `reply to ${ref}`,
      timeoutMs,
    )
  }

  async take<T = unknown>(match: (f: Frame) => boolean, what: string, timeoutMs = 5000): Promise<T & Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.frames.findIndex((f) => !taken.has(f) && match(f))
      if (index >= 0) {
        const frame = this.frames[index]!
        taken.add(frame)
        return frame as T & Frame
      }
      const left = deadline - Date.now()
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no "${what}" frame within ${timeoutMs} ms; got: ${JSON.stringify(this.frames.map((f) => f.type))}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Frames of a type received so far (taken or not). */
  all(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type)
  }

  /** Waits `ms` and returns the frames of `type` that arrived, for "nothing else came" checks. */
  async settle(type: string, ms = 200): Promise<Frame[]> {
    await new Promise((r) => setTimeout(r, ms))
    return this.all(type)
  }

  close(): void {
    this.ws.close()
  }
}

const taken = new WeakSet<Frame>()
let refs = 0

export interface MessageSendFields {
  ref: string
  clientMsgId: string
  /** the text of a text message (default "hi") */
  text?: string
  /** any type, a wrong one too (default text) */
  messageType?: string
  content?: Record<string, unknown>
}

/** A `message.send` frame, as is: the fields may be deliberately wrong. */
export function messageSend(conversationId: string, fields: MessageSendFields): Record<string, unknown> {
  return {
    type: 'message.send',
    ref: fields.ref,
    conversationId,
    clientMsgId: fields.clientMsgId,
    messageType: fields.messageType ?? 'text',
    content: fields.content ?? { text: fields.text ?? 'hi' },
  }
}
