import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

/** How one socket attempt ended: refused before the upgrade (HTTP status), or opened and then what came. */
type Outcome = { http: number; body: string } | { ready: boolean; error?: { code: string; retryAfter?: number }; close: number }

/** Opens a socket and follows it until `ready` (then closes it itself) or until the server closes it. */
function attempt(wsUrl: string, token: string | null): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    let error: { code: string; retryAfter?: number } | undefined
    let ready = false
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ http: res.statusCode ?? 0, body }))
    })
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString())
      if (frame.type === 'error') error = frame
      if (frame.type === 'ready') {
        ready = true
        ws.close()
      }
    })
    // an anonymous socket that got through is not followed further
    ws.on('open', () => token === null && ws.close())
    ws.on('close', (code) => resolve({ ready, error, close: code }))
    ws.on('error', () => undefined)
  })
}

describe('reconnect loops: sockets opened per minute, per user and per IP, under parallel bursts', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'rateLimit.wsConnectsPerMinute': 5, 'rateLimit.wsConnectsPerMinutePerIp': 40 } })
  })
  afterAll(() => t?.close())

  it('should open exactly the per-user number of a parallel burst and refuse the rest with rate_limited and 4029', async () => {
    const looper = await createUser(t.url, 'looper')
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => attempt(t.wsUrl, looper.token)))
    const opened = outcomes.filter((o) => 'ready' in o && o.ready)
    expect(opened).toHaveLength(5)
    const refused = outcomes.filter((o) => 'ready' in o && !o.ready)
    expect(refused).toHaveLength(7)
    for (const r of refused) {
      expect(r).toMatchObject({ close: 4029, error: { code: 'rate_limited' } })
      expect((r as { error: { retryAfter: number } }).error.retryAfter).toBeGreaterThan(0)
    }
    // another user is not held back by the looper
    const other = await createUser(t.url, 'calm')
    expect(await attempt(t.wsUrl, other.token)).toMatchObject({ ready: true })
  })

  it('should answer 429 before the upgrade once one IP asked for too many, signed in or not', async () => {
    // the IP already spent 13 of its 40 above; a parallel burst of anonymous upgrades takes the rest
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => attempt(t.wsUrl, null)))
    const limited = outcomes.filter((o): o is { http: number; body: string } => 'http' in o)
    expect(limited.length).toBe(13)
    for (const o of limited) {
      expect(o.http).toBe(429)
      expect(JSON.parse(o.body).error).toMatchObject({ code: 'rate_limited', details: { limit: 'ws-connect' } })
    }
    const fresh = await createUser(t.url, 'fresh')
    expect(await attempt(t.wsUrl, fresh.token)).toMatchObject({ http: 429 })
  })
})
