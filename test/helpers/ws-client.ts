import WebSocket from 'ws'

export interface Frame {
  type: string
  [key: string]: any
}

/**
 * A real WebSocket client that records every frame, so tests can wait for one, or assert
 * that none of a type arrived.
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
    if (options.authFrame) ws.send(JSON.stringify({ type: 'auth', token: options.authFrame }))
    if ((options.token || options.authFrame) && options.waitReady !== false) await socket.next('ready')
    return socket
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame))
  }

  /** Waits for the first not-yet-taken frame of `type` (any type if omitted) and takes it. */
  next(type?: string, timeoutMs = 5000): Promise<Frame> {
    return this.take((f) => type === undefined || f.type === type, type ?? 'any', timeoutMs)
  }

  /** Waits for the answer to a frame sent with this `ref` (`message.ack` or `error`) and takes it. */
  reply(ref: string | number, timeoutMs = 5000): Promise<Frame> {
    return this.take((f) => f.ref === ref && (f.type === 'message.ack' || f.type === 'error'), `reply to ${ref}`, timeoutMs)
  }

  async take(match: (f: Frame) => boolean, what: string, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.frames.findIndex((f) => !taken.has(f) && match(f))
      if (index >= 0) {
        const frame = this.frames[index]!
        taken.add(frame)
        return frame
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
