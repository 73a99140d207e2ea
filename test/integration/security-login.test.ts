import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/shared/clock.js'
import { ApiClient, createUser, STRONG_PASSWORD } from '../helpers/api-client.js'
import { captchaSolver } from '../helpers/captcha-solver.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const WRONG = 'definitely-Wrong-pass-1'

describe('login throttling: captcha after failures (auto mode)', () => {
  let t: TestApp
  let anon: ApiClient
  let solve: ReturnType<typeof captchaSolver>
  const clock = new ManualClock(Date.now())
  beforeAll(async () => {
    t = await startTestApp({
      clock,
      // a high IP cap keeps the per-IP captcha threshold (a third of it) out of these per-account tests
      overrides: { 'captcha.mode': 'auto', 'captcha.afterFailures': 3, 'rateLimit.loginFailuresPerIp': 1000 },
    })
    anon = new ApiClient(t.url)
    solve = captchaSolver(t.app, t.url)
  })
  afterAll(() => t.close())

  it('should require a captcha after 3 failures for the account from this IP and let a solved one through', async () => {
    const user = await createUser(t.url, 'throttled')
    for (let i = 0; i < 3; i++) {
      const res = await anon.post('/auth/login', { username: user.username, password: WRONG })
      expect(res.status).toBe(401)
      expect(res.body.error.code).toBe('auth.invalid_credentials')
    }
    const blocked = await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })
    expect(blocked.status).toBe(422)
    expect(blocked.body.error.code).toBe('auth.captcha_required')

    const wrongAnswer = await solve()
    const bad = await anon.post('/auth/login', {
      username: user.username,
      password: STRONG_PASSWORD,
      captcha: { id: wrongAnswer.id, answer: 'nope' },
    })
    expect(bad.status).toBe(422)
    expect(bad.body.error.code).toBe('auth.captcha_invalid')
    // single use: the right answer no longer helps once the challenge was tried
    const reused = await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD, captcha: wrongAnswer })
    expect(reused.body.error.code).toBe('auth.captcha_invalid')

    const ok = await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD, captcha: await solve() })
    expect(ok.status).toBe(200)
    expect(ok.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // success clears this (account, IP) counter
    const after = await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })
    expect(after.status).toBe(200)
  })

  it('should not accept a solved captcha twice', async () => {
    const user = await createUser(t.url, 'twice')
    for (let i = 0; i < 3; i++) await anon.post('/auth/login', { username: user.username, password: WRONG })
    const captcha = await solve()
    const first = await anon.post('/auth/login', { username: user.username, password: WRONG, captcha })
    expect(first.status).toBe(401)
    const second = await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD, captcha })
    expect(second.status).toBe(422)
    expect(second.body.error.code).toBe('auth.captcha_invalid')
  })

  it('should treat unknown usernames exactly like real ones', async () => {
    const user = await createUser(t.url, 'realone')
    const answers = { real: [] as unknown[], ghost: [] as unknown[] }
    for (let i = 0; i < 4; i++) {
      answers.real.push((await anon.post('/auth/login', { username: user.username, password: WRONG })).body)
      answers.ghost.push((await anon.post('/auth/login', { username: 'ghost_nobody', password: WRONG })).body)
    }
    expect(answers.ghost).toEqual(answers.real)
    expect((answers.ghost[3] as { error: { code: string } }).error.code).toBe('auth.captcha_required')
  })

  it('should expire an unanswered captcha after its time to live', async () => {
    const user = await createUser(t.url, 'slowpoke')
    for (let i = 0; i < 3; i++) await anon.post('/auth/login', { username: user.username, password: WRONG })
    const captcha = await solve()
    clock.advance(5 * 60_000 + 1000)
    const late = await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD, captcha })
    expect(late.status).toBe(422)
    expect(late.body.error.code).toBe('auth.captcha_invalid')
  })

  it('should forget failures once they leave the 15-minute window', async () => {
    const user = await createUser(t.url, 'patient')
    for (let i = 0; i < 3; i++) await anon.post('/auth/login', { username: user.username, password: WRONG })
    expect((await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })).status).toBe(422)
    clock.advance(15 * 60_000 + 1000)
    expect((await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })).status).toBe(200)
  })

  it('should serve a real SVG captcha as a data URL that is not cached', async () => {
    const fresh = await startTestApp()
    try {
      const res = await new ApiClient(fresh.url).get('/auth/captcha')
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.body.captchaId).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect(res.body.image).toMatch(/^data:image\/svg\+xml;base64,/)
      const svg = Buffer.from(res.body.image.split(',')[1], 'base64').toString('utf8')
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
      expect(svg.match(/<path/g)!.length).toBeGreaterThanOrEqual(5)
      const ttl = Date.parse(res.body.expiresAt) - Date.now()
      expect(ttl).toBeGreaterThan(290_000)
      expect(ttl).toBeLessThanOrEqual(300_000)
      const other = await new ApiClient(fresh.url).get('/auth/captcha')
      expect(other.body.captchaId).not.toBe(res.body.captchaId)
    } finally {
      await fresh.close()
    }
  })
})

describe('login throttling across IPs (behind a trusted proxy)', () => {
  let t: TestApp
  let anon: ApiClient
  let solve: ReturnType<typeof captchaSolver>
  const from = (ip: string) => ({ 'x-forwarded-for': ip })
  const login = (body: Record<string, unknown>, ip: string) => anon.request('POST', '/auth/login', body, from(ip))
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { trustProxy: '127.0.0.1', 'captcha.afterFailures': 3, 'rateLimit.loginFailuresPerIp': 6 },
    })
    anon = new ApiClient(t.url)
    solve = captchaSolver(t.app, t.url)
  })
  afterAll(() => t.close())

  it('should let the real user in with a solved captcha while someone hammers the account from other IPs', async () => {
    const victim = await createUser(t.url, 'victim')
    // 15 failures (5 x afterFailures), one from each of many addresses: no per-IP counter fills up
    for (let i = 1; i <= 15; i++) {
      const res = await login({ username: victim.username, password: WRONG }, `198.51.100.${i}`)
      expect(res.status).toBe(401)
    }
    const attacker = await login({ username: victim.username, password: WRONG }, '198.51.100.99')
    expect(attacker.body.error.code).toBe('auth.captcha_required')

    const plain = await login({ username: victim.username, password: STRONG_PASSWORD }, '203.0.113.7')
    expect(plain.status).toBe(422)
    expect(plain.body.error.code).toBe('auth.captcha_required')
    const solved = await login({ username: victim.username, password: STRONG_PASSWORD, captcha: await solve() }, '203.0.113.7')
    expect(solved.status).toBe(200)
    expect(solved.body.user.id).toBe(victim.id)
    const devices = await victim.api.withToken(solved.body.token).get('/me/sessions')
    expect(devices.body.items.find((s: { current: boolean }) => s.current).ip).toBe('203.0.113.7')
  })

  it('should answer 429 with Retry-After past the per-IP failure cap, even with a solved captcha', async () => {
    const ip = '192.0.2.50'
    for (let i = 0; i < 6; i++) {
      // spraying different accounts: after max(afterFailures, a third of the cap) = 3 a captcha is needed
      const body: Record<string, unknown> = { username: `spray_${i}`, password: WRONG }
      if (i >= 3) body.captcha = await solve()
      expect((await login(body, ip)).status).toBe(401)
    }
    const limited = await login({ username: 'spray_x', password: WRONG, captcha: await solve() }, ip)
    expect(limited.status).toBe(429)
    expect(limited.body.error.code).toBe('rate_limited')
    const retryAfter = Number(limited.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(15 * 60)

    const user = await createUser(t.url, 'bystander')
    expect((await login({ username: user.username, password: STRONG_PASSWORD }, ip)).status).toBe(429)
    expect((await login({ username: user.username, password: STRONG_PASSWORD }, '192.0.2.51')).status).toBe(200)
  })
})

describe('X-Forwarded-For without a trusted proxy', () => {
  let t: TestApp
  let anon: ApiClient
  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'captcha.mode': 'off', 'rateLimit.loginFailuresPerIp': 4 } })
    anon = new ApiClient(t.url)
  })
  afterAll(() => t.close())

  it('should ignore a spoofed X-Forwarded-For: every attempt counts against the real address', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await anon.request(
        'POST',
        '/auth/login',
        { username: `xff_${i}`, password: WRONG },
        { 'x-forwarded-for': `198.51.100.${i}` },
      )
      expect(res.status).toBe(401)
    }
    const res = await anon.request('POST', '/auth/login', { username: 'xff_new', password: WRONG }, { 'x-forwarded-for': '203.0.113.200' })
    expect(res.status).toBe(429)
    expect(res.body.error.code).toBe('rate_limited')
  })

  it('should record the socket address, not the header, on the session', async () => {
    const fresh = await startTestApp()
    try {
      const user = await createUser(fresh.url, 'spoofer')
      const res = await new ApiClient(fresh.url).request(
        'POST',
        '/auth/login',
        { username: user.username, password: STRONG_PASSWORD },
        { 'x-forwarded-for': '203.0.113.66' },
      )
      const sessions = await user.api.withToken(res.body.token).get('/me/sessions')
      expect(sessions.body.items.map((s: { ip: string }) => s.ip)).not.toContain('203.0.113.66')
      expect(sessions.body.items.find((s: { current: boolean }) => s.current).ip).toBe('127.0.0.1')
    } finally {
      await fresh.close()
    }
  })
})

describe('captcha modes', () => {
  it('should require a captcha for every login and registration in always mode', async () => {
    const t = await startTestApp({ overrides: { 'captcha.mode': 'always' } })
    try {
      const anon = new ApiClient(t.url)
      const solve = captchaSolver(t.app, t.url)
      const noCaptcha = await anon.post('/auth/register', { username: 'always_a', password: STRONG_PASSWORD })
      expect(noCaptcha.status).toBe(422)
      expect(noCaptcha.body.error.code).toBe('auth.captcha_required')
      const wrong = await anon.post('/auth/register', {
        username: 'always_a',
        password: STRONG_PASSWORD,
        captcha: { id: 'x', answer: 'y' },
      })
      expect(wrong.body.error.code).toBe('auth.captcha_invalid')
      const reg = await anon.post('/auth/register', { username: 'always_a', password: STRONG_PASSWORD, captcha: await solve() })
      expect(reg.status).toBe(201)
      const login = await anon.post('/auth/login', { username: 'always_a', password: STRONG_PASSWORD })
      expect(login.body.error.code).toBe('auth.captcha_required')
      const ok = await anon.post('/auth/login', { username: 'always_a', password: STRONG_PASSWORD, captcha: await solve() })
      expect(ok.status).toBe(200)
    } finally {
      await t.close()
    }
  })

  it('should never ask for a captcha in off mode', async () => {
    const t = await startTestApp({ overrides: { 'captcha.mode': 'off' } })
    try {
      const anon = new ApiClient(t.url)
      const user = await createUser(t.url, 'nocap')
      for (let i = 0; i < 8; i++) expect((await anon.post('/auth/login', { username: user.username, password: WRONG })).status).toBe(401)
      expect((await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })).status).toBe(200)
    } finally {
      await t.close()
    }
  })

  it('should refuse an unknown captcha mode at startup, naming the key', async () => {
    await expect(startTestApp({ overrides: { 'captcha.mode': 'sometimes' } })).rejects.toThrow(/captcha\.mode/)
  })
})
