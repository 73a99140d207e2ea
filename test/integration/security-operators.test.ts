import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('/metrics with JIM_METRICS_TOKEN', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'metrics.token': 'scrape-secret-123' } })
  })
  afterAll(() => t.close())

  it('should answer 401 without the token or with a wrong one, and the metrics with it', async () => {
    const none = await fetch(`${t.url}/metrics`)
    expect(none.status).toBe(401)
    expect(((await none.json()) as any).error.code).toBe('auth.required')
    const wrong = await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-124' } })
    expect(wrong.status).toBe(401)
    const short = await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer x' } })
    expect(short.status).toBe(401)
    const ok = await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-123' } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toContain('text/plain')
    expect(await ok.text()).toContain('jim_http_requests_total')
  })
})

describe('/metrics without a token', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t.close())

  it('should serve loopback clients', async () => {
    const res = await fetch(`${t.url}/metrics`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('jim_ws_connections')
  })

  it('should hide itself from other addresses and from anything forwarded by a proxy', async () => {
    const remote = await t.app.http.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' })
    expect(remote.statusCode).toBe(404)
    const proxied = await fetch(`${t.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.5' } })
    expect(proxied.status).toBe(404)
  })
})

describe('WebSocket origin and unauthenticated sockets', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({ overrides: { publicUrl: 'https://chat.example.com', 'ws.maxPendingPerIp': 2 } })
  })
  afterAll(() => t.close())

  it('should close a socket from a foreign Origin with 1008, token or not', async () => {
    const user = await createUser(t.url, 'origin')
    const sock = await TestSocket.open(t.wsUrl, { token: user.token, origin: 'https://evil.example', waitReady: false })
    expect((await sock.closed).code).toBe(1008)
    expect(sock.all('ready')).toHaveLength(0)
  })

  it('should accept the Origin of JIM_PUBLIC_URL', async () => {
    const user = await createUser(t.url, 'origin')
    const sock = await TestSocket.open(t.wsUrl, { token: user.token, origin: 'https://chat.example.com' })
    expect(sock.all('ready')).toHaveLength(1)
    sock.close()
  })

  it('should cap pending unauthenticated sockets per IP with 1008, and free a slot on auth', async () => {
    const user = await createUser(t.url, 'pending')
    const first = await TestSocket.open(t.wsUrl)
    const second = await TestSocket.open(t.wsUrl)
    const third = await TestSocket.open(t.wsUrl)
    const closed = await third.closed
    expect(closed.code).toBe(1008)
    expect(closed.reason).toContain('unauthenticated')
    expect(first.ws.readyState).toBe(WebSocket.OPEN)

    first.send({ type: 'auth', token: user.token })
    await first.next('ready')
    const fourth = await TestSocket.open(t.wsUrl)
    fourth.send({ type: 'auth', token: user.token })
    await fourth.next('ready')
    for (const s of [first, second, fourth]) s.close()
  })
})

describe('JIM_SECRET', () => {
  it('should generate a secret into the data dir once when none is configured, and reuse it', async () => {
    const t = await startTestApp()
    try {
      const file = join(t.app.config.dataDir, 'secret')
      const stored = readFileSync(file, 'utf8').trim()
      expect(stored).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(t.app.config.secret).toBe(stored)
      const again = await startTestApp({ database: t.database, overrides: { port: 0 } })
      expect(again.app.config.secret).toBe(stored)
      await again.close()
    } finally {
      await t.close()
    }
  })

  it('should use JIM_SECRET when set', async () => {
    const t = await startTestApp({ overrides: { secret: 'configured-secret-of-this-cluster' } })
    try {
      expect(t.app.config.secret).toBe('configured-secret-of-this-cluster')
    } finally {
      await t.close()
    }
  })
})
