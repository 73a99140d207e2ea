import http from 'node:http'
import WebSocket from 'ws'

/** A keep-alive HTTP JSON client (node:http: far less overhead per call than fetch). */
export class BenchHttp {
  readonly #agent: http.Agent
  readonly #host: string
  readonly #port: number
  readonly #prefix: string

  /** `prefix`: JIM's API lives under /api/v1; the baselines answer at the root */
  constructor(baseUrl: string, maxSockets = 256, prefix = '/api/v1') {
    this.#prefix = prefix
    const url = new URL(baseUrl)
    this.#host = url.hostname
    this.#port = Number(url.port)
    this.#agent = new http.Agent({ keepAlive: true, maxSockets })
  }

  request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    // a kept-alive socket the server closed as idle just as we reused it: the request never
    // reached the server, so sending it again is safe (the retry Node's http docs recommend)
    return this.#send<T>(method, path, payload, token, headers).catch((err) =>
      err.staleSocket ? this.#send<T>(method, path, payload, token, headers) : Promise.reject(err),
    )
  }

  #send<T>(
    method: string,
    path: string,
    payload: string | undefined,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.#host,
          port: this.#port,
          method,
          path: this.#prefix + path,
          agent: this.#agent,
          headers: {
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null })
          })
        },
      )
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(Object.assign(err, { staleSocket: req.reusedSocket && err.code === 'ECONNRESET' })),
      )
      if (payload) req.write(payload)
      req.end()
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}

/** A socket that hands every `message.created` to a callback with its receive time. */
export async function openSocket(wsUrl: string, token: string, onFrame: (frame: any, at: number) => void): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } })
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject)
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString())
      if (frame.type === 'ready') resolve()
      else onFrame(frame, performance.now())
    })
  })
  return ws
}

export { percentile, round, summarize } from './stats.js'
