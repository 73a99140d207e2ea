import http from 'node:http'
import type { FetchLike } from '@jim/client'
import WebSocket from 'ws'

interface RawAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
}

const headerValue = (value: string | string[] | undefined): string | null => (Array.isArray(value) ? value.join(', ') : (value ?? null))

/** A keep-alive HTTP JSON client (node:http: far less overhead per call than fetch). */
export class BenchHttp {
  readonly #agent: http.Agent
  readonly #host: string
  readonly #port: number
  readonly #prefix: string
  readonly #origin: string

  /** `prefix`: JIM's API lives under /api/v1; the baselines answer at the root */
  constructor(baseUrl: string, maxSockets = 256, prefix = '/api/v1') {
    this.#prefix = prefix
    const url = new URL(baseUrl)
    this.#origin = url.origin
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
    const all = {
      ...(payload ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    }
    return this.#retried(method, this.#prefix + path, payload, all).then((res) => ({
      status: res.status,
      body: res.text ? JSON.parse(res.text) : null,
    }))
  }

  /** The SDK's `fetch` over this keep-alive agent, so `ApiClient` from @jim/client runs on node:http. */
  readonly fetch: FetchLike = async (input, init = {}) => {
    if (!input.startsWith(this.#origin + '/')) throw new Error(`this client talks to ${this.#origin} only, not ${input}`)
    const res = await this.#retried(init.method ?? 'GET', input.slice(this.#origin.length), init.body, init.headers ?? {})
    return {
      status: res.status,
      ok: res.status >= 200 && res.status < 300,
      headers: { get: (name) => headerValue(res.headers[name.toLowerCase()]) },
      text: async () => res.text,
    }
  }

  // a kept-alive socket the server closed as idle just as we reused it: the request never
  // reached the server, so sending it again is safe (the retry Node's http docs recommend)
  #retried(method: string, path: string, payload: string | undefined, headers: Record<string, string>): Promise<RawAnswer> {
    return this.#send(method, path, payload, headers).catch((err) =>
      err.staleSocket ? this.#send(method, path, payload, headers) : Promise.reject(err),
    )
  }

  #send(method: string, path: string, payload: string | undefined, headers: Record<string, string>): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.#host,
          port: this.#port,
          method,
          path,
          agent: this.#agent,
          headers: payload ? { ...headers, 'content-length': Buffer.byteLength(payload) } : headers,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
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
