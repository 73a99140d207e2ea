import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createLogger } from '../../src/shared/logger.js'
import { ApiClient } from '../helpers/api-client.js'
import { eventually } from '../helpers/eventually.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

/** Every JSON line the app logs, kept raw (to count keys) and parsed. */
function captureLogs() {
  const lines: Array<{ raw: string; json: Record<string, any> }> = []
  const logger = createLogger('info', {
    write(chunk: string) {
      for (const raw of chunk.split('\n').filter(Boolean)) lines.push({ raw, json: JSON.parse(raw) })
    },
  })
  return { logger, lines }
}

describe('what the log says about hostile or careless clients', () => {
  let t: TestApp
  const logs = captureLogs()
  beforeAll(async () => {
    t = await startTestApp({
      logger: logs.logger,
      overrides: { 'ws.maxFrameBytes': 1024, 'ws.maxPendingPerIp': 500, 'log.level': 'info' },
    })
  })
  afterAll(() => t?.close())

  it('should log oversized frames from 200 sockets as a few cheap warnings, never error stacks', async () => {
    const before = logs.lines.length
    const sockets = await Promise.all(
      Array.from({ length: 200 }, () => {
        const ws = new WebSocket(t.wsUrl, { headers: { origin: 'http://localhost:8080' } })
        return new Promise<WebSocket>((resolve, reject) => {
          ws.once('open', () => resolve(ws))
          ws.once('error', reject)
        })
      }),
    )
    const closes = sockets.map((ws) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))))
    for (const ws of sockets) ws.send('x'.repeat(4096))
    expect(new Set(await Promise.all(closes))).toEqual(new Set([1009]))
    await new Promise((r) => setTimeout(r, 200))
    const about = logs.lines.slice(before).filter((l) => /payload|frame|websocket/i.test(l.raw))
    expect(about.length).toBeGreaterThan(0)
    expect(about.length).toBeLessThanOrEqual(10)
    for (const line of about) {
      expect(line.json.level).not.toBe('error')
      expect(line.raw).not.toMatch(/"stack"/)
    }
    expect(logs.lines.slice(before).filter((l) => l.json.level === 'error')).toEqual([])
  })

  it('should carry reqId once in the request line', async () => {
    await new ApiClient(t.url).request('GET', '/auth/captcha', undefined, { 'x-request-id': 'once-only-1' })
    await eventually(() => logs.lines.some((l) => l.json.msg === 'request' && l.json.reqId === 'once-only-1'), 'the request line')
    const line = logs.lines.find((l) => l.json.msg === 'request' && l.json.reqId === 'once-only-1')!
    expect(line.raw.match(/"reqId"/g)).toHaveLength(1)
  })

  it('should not log a client that hangs up mid-body as a backing service failure', async () => {
    const { port } = new URL(t.url)
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
            'x-request-id: hangs-up-1\r\nContent-Length: 1000\r\n\r\n{"username":',
        )
        setTimeout(() => {
          socket.destroy()
          resolve()
        }, 100)
      })
    })
    await eventually(() => logs.lines.some((l) => l.json.reqId === 'hangs-up-1'), 'a line about the aborted request')
    await new Promise((r) => setTimeout(r, 100))
    const mine = logs.lines.filter((l) => l.json.reqId === 'hangs-up-1')
    for (const line of mine) {
      expect(line.raw).not.toMatch(/backing service|unavailable/i)
      expect(['info', 'debug']).toContain(line.json.level)
    }
  })

  it('should answer 401 to a request without a token before judging its body', async () => {
    const anon = new ApiClient(t.url)
    for (const body of [{}, { name: 42 }, 'not json']) {
      const res = await anon.request('POST', '/groups', body)
      expect(res.status).toBe(401)
      expect(res.body.error.code).toBe('auth.required')
    }
    const bad = await anon.request('PATCH', '/me', { nickname: ['x'] }, { authorization: 'Bearer nope' })
    expect(bad.status).toBe(401)
    expect(bad.body.error.code).toBe('auth.invalid_token')
  })
})

describe('the answer while shutting down', () => {
  it("should be JIM's 503 error shape with Retry-After", async () => {
    const t = await startTestApp()
    const { port } = new URL(t.url)
    // a WebSocket that never answers the close handshake keeps the drain (and the closing window) open
    const stubborn = net.connect(Number(port), '127.0.0.1')
    await new Promise<void>((resolve) => {
      stubborn.once('data', () => resolve())
      stubborn.write(
        'GET /api/v1/ws HTTP/1.1\r\nHost: localhost:8080\r\nOrigin: http://localhost:8080\r\nUpgrade: websocket\r\n' +
          'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      )
    })
    const closing = t.close()
    try {
      await new Promise((r) => setTimeout(r, 100))
      const res = await new ApiClient(t.url).get('/me')
      expect(res.status).toBe(503)
      expect(res.body).toEqual({ error: { code: 'service.unavailable', message: expect.stringMatching(/shutting down|restart/i) } })
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      stubborn.destroy()
      await closing
    }
  })
})
