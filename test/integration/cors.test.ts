import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const ALLOWED = 'https://app.example.com'

describe('CORS with JIM_HTTP_CORS_ORIGINS', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'http.corsOrigins': [ALLOWED] } })
  })
  afterAll(() => t.close())

  it('should answer a preflight from a listed origin and let it read the API answer and its request id', async () => {
    const preflight = await fetch(`${t.url}/api/v1/me`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization')
    expect(preflight.headers.get('access-control-max-age')).toBe('600')

    const user = await createUser(t.url, 'corsok')
    const me = await fetch(`${t.url}/api/v1/me`, { headers: { origin: ALLOWED, authorization: `Bearer ${user.token}` } })
    expect(me.status).toBe(200)
    expect(me.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(me.headers.get('access-control-expose-headers')).toBe('x-request-id, retry-after')
  })

  it('should not allow an origin that is not listed', async () => {
    const res = await fetch(`${t.url}/healthz`, { headers: { origin: 'https://evil.example.net' } })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('CORS without listed origins (same origin only)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t.close())

  it('should allow no other origin: no CORS headers, and a preflight is refused', async () => {
    const user = await createUser(t.url, 'corsoff')
    const me = await fetch(`${t.url}/api/v1/me`, {
      headers: { origin: ALLOWED, authorization: `Bearer ${user.token}` },
    })
    expect(me.status).toBe(200)
    expect(me.headers.get('access-control-allow-origin')).toBeNull()
    expect(me.headers.get('access-control-expose-headers')).toBeNull()
    const preflight = await fetch(`${t.url}/api/v1/me`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'GET' },
    })
    expect(preflight.status).toBeGreaterThanOrEqual(400)
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
  })
})
