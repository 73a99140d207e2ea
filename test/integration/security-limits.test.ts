import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/shared/clock.js'
import { ApiClient, createUser, STRONG_PASSWORD, type ApiResponse } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

function expectRateLimited(res: ApiResponse, maxSeconds: number): void {
  expect(res.status).toBe(429)
  expect(res.body.error.code).toBe('rate_limited')
  const retryAfter = Number(res.headers.get('retry-after'))
  expect(retryAfter).toBeGreaterThan(0)
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds)
}

describe('rate limits on sensitive routes', () => {
  let t: TestApp
  let anon: ApiClient
  const clock = new ManualClock(Date.now())
  beforeAll(async () => {
    t = await startTestApp({
      clock,
      overrides: {
        // trusted, so the registration test can count as another address than createUser's
        trustProxy: '127.0.0.1',
        'rateLimit.captchaPerMinute': 3,
        'rateLimit.registerPerHour': 3,
        'rateLimit.searchPerMinute': 3,
        'rateLimit.passwordResetPerHour': 2,
      },
    })
    anon = new ApiClient(t.url)
  })
  afterAll(() => t.close())

  it('should limit captcha challenges per IP and allow more after the window', async () => {
    for (let i = 0; i < 3; i++) expect((await anon.get('/auth/captcha')).status).toBe(200)
    expectRateLimited(await anon.get('/auth/captcha'), 60)
    clock.advance(61_000)
    expect((await anon.get('/auth/captcha')).status).toBe(200)
  })

  it('should limit registrations per IP, failed ones included', async () => {
    const register = (username: string, ip: string) =>
      anon.request('POST', '/auth/register', { username, password: STRONG_PASSWORD }, { 'x-forwarded-for': ip })
    expect((await register('lim_reg_1', '192.0.2.77')).status).toBe(201)
    expect((await register('lim_reg_1', '192.0.2.77')).status).toBe(409)
    expect((await register('lim_reg_2', '192.0.2.77')).status).toBe(201)
    expectRateLimited(await register('lim_reg_3', '192.0.2.77'), 3600)
    expect((await register('lim_reg_3', '192.0.2.78')).status).toBe(201)
  })

  it('should limit user search per user, not per address', async () => {
    const a = await createUser(t.url, 'searcher')
    const b = await createUser(t.url, 'searcher')
    for (let i = 0; i < 3; i++) expect((await a.api.get('/users?q=sea')).status).toBe(200)
    expectRateLimited(await a.api.get('/users?q=sea'), 60)
    expect((await b.api.get('/users?q=sea')).status).toBe(200)
  })

  it('should limit password reset requests per IP', async () => {
    for (let i = 0; i < 2; i++) expect((await anon.post('/auth/password-reset', { email: `nobody${i}@example.com` })).status).toBe(202)
    expectRateLimited(await anon.post('/auth/password-reset', { email: 'nobody9@example.com' }), 3600)
  })

  it('should limit password checks per user (a stolen token cannot brute-force the password)', async () => {
    const u = await createUser(t.url, 'guessme')
    for (let i = 0; i < 2; i++) {
      const res = await u.api.put('/me/password', { currentPassword: `guess-${i}-Wrong-pass`, newPassword: 'another-Strong-pass-77' })
      expect(res.body.error.code).toBe('auth.wrong_password')
    }
    expectRateLimited(await u.api.request('DELETE', '/me', { password: 'guess-3-Wrong-pass' }), 3600)
  })
})

describe('JIM_RATE_LIMIT_ENABLED=false', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({
      overrides: {
        'rateLimit.enabled': false,
        'rateLimit.captchaPerMinute': 1,
        'rateLimit.registerPerHour': 1,
        'rateLimit.loginFailuresPerIp': 2,
        'captcha.mode': 'off',
      },
    })
  })
  afterAll(() => t.close())

  it('should switch every limit off', async () => {
    const anon = new ApiClient(t.url)
    for (let i = 0; i < 4; i++) expect((await anon.get('/auth/captcha')).status).toBe(200)
    for (let i = 0; i < 3; i++)
      expect((await anon.post('/auth/register', { username: `nolimit_${i}`, password: STRONG_PASSWORD })).status).toBe(201)
    for (let i = 0; i < 5; i++)
      expect((await anon.post('/auth/login', { username: 'nolimit_0', password: 'wrong-Password-x1' })).status).toBe(401)
    expect((await anon.post('/auth/login', { username: 'nolimit_0', password: STRONG_PASSWORD })).status).toBe(200)
  })
})

describe('registration switch and window from config', () => {
  it('should refuse registration when closed by config with 422 auth.registration_closed', async () => {
    const t = await startTestApp({ overrides: { 'registration.open': false } })
    try {
      const res = await new ApiClient(t.url).post('/auth/register', { username: 'closed_reg', password: STRONG_PASSWORD })
      expect(res.status).toBe(422)
      expect(res.body.error.code).toBe('auth.registration_closed')
    } finally {
      await t.close()
    }
  })

  it('should open and close registration at the configured times', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 8, 0, 0))
    const t = await startTestApp({
      clock,
      overrides: { 'registration.opensAt': '2026-03-01T09:00:00Z', 'registration.closesAt': '2026-03-01T10:00:00+00:00' },
    })
    try {
      const anon = new ApiClient(t.url)
      const early = await anon.post('/auth/register', { username: 'win_early', password: STRONG_PASSWORD })
      expect(early.status).toBe(422)
      expect(early.body.error.code).toBe('auth.registration_closed')
      expect(early.body.error.details).toMatchObject({ opensAt: '2026-03-01T09:00:00.000Z', closesAt: '2026-03-01T10:00:00.000Z' })
      expect(early.body.error.message).toContain('2026-03-01T09:00:00.000Z')
      clock.advance(3600_000)
      expect((await anon.post('/auth/register', { username: 'win_inside', password: STRONG_PASSWORD })).status).toBe(201)
      clock.advance(3600_000)
      const late = await anon.post('/auth/register', { username: 'win_late', password: STRONG_PASSWORD })
      expect(late.body.error.code).toBe('auth.registration_closed')
    } finally {
      await t.close()
    }
  })

  it('should refuse a registration time without a zone at startup, naming the key', async () => {
    await expect(startTestApp({ overrides: { 'registration.opensAt': '2026-03-01 09:00' } })).rejects.toThrow(/registration\.opensAt/)
  })
})
