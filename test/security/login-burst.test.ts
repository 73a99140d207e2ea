import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, STRONG_PASSWORD, type ApiResponse } from '../helpers/api-client.js'
import { deleteRedisKeys, redisAvailable, SHARED_REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const WRONG = 'definitely-Wrong-pass-1'
const BURST = 300
/** where the right password hides in the burst: far past every threshold */
const RIGHT_AT = 250

/** Fires every body at once (no request waits for another) and returns the answers in order. */
function burst(api: ApiClient, bodies: Array<Record<string, unknown>>, ip: string): Promise<ApiResponse[]> {
  return Promise.all(bodies.map((body) => api.request('POST', '/auth/login', body, { 'x-forwarded-for': ip })))
}

function countBy(answers: ApiResponse[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const a of answers) {
    const key = `${a.status} ${a.body?.error?.code ?? 'ok'}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

for (const driver of ['memory', 'redis'] as const) {
  describe(`${driver}: a parallel burst of logins for one account from one IP`, async () => {
    if (driver === 'redis' && !(await redisAvailable())) return
    const prefix = uniqueRedisPrefix()
    // each test bursts from its own address (the apps believe X-Forwarded-For from loopback)
    const shared = {
      trustProxy: '127.0.0.1',
      ...(driver === 'redis'
        ? { 'broker.driver': 'redis', 'redis.url': SHARED_REDIS_URL, 'files.driver': 'sql', 'redis.prefix': prefix }
        : {}),
    }
    const dialect = driver === 'redis' ? ('postgres' as const) : undefined
    let captchaApp: TestApp
    let capApp: TestApp
    beforeAll(async () => {
      // a high IP cap isolates the per-account captcha threshold
      captchaApp = await startTestApp({
        dialect,
        overrides: { ...shared, 'captcha.mode': 'auto', 'captcha.afterFailures': 3, 'rateLimit.loginFailuresPerIp': 100_000 },
      })
      capApp = await startTestApp({
        dialect,
        overrides: { ...shared, 'redis.prefix': prefix + 'cap:', 'captcha.mode': 'off', 'rateLimit.loginFailuresPerIp': 30 },
      })
    })
    afterAll(async () => {
      await captchaApp?.close()
      await capApp?.close()
      if (driver === 'redis') await deleteRedisKeys(prefix)
    })

    it('should ask for a captcha after the threshold even when every attempt is in flight at once', async () => {
      const victim = await createUser(captchaApp.url, 'burstvictim')
      const bodies = Array.from({ length: BURST }, (_, i) => ({
        username: victim.username,
        password: i === RIGHT_AT ? STRONG_PASSWORD : WRONG,
      }))
      const answers = await burst(new ApiClient(captchaApp.url), bodies, '198.51.100.1')
      const counts = countBy(answers)
      // only the reserved failure slots ever reach the password check
      expect(counts['401 auth.invalid_credentials'] ?? 0).toBeLessThanOrEqual(3)
      expect(counts['422 auth.captcha_required'] ?? 0).toBeGreaterThanOrEqual(BURST - 3 - 1)
      expect(answers[RIGHT_AT]!.status).toBe(422)
      expect(answers[RIGHT_AT]!.body.error.code).toBe('auth.captcha_required')
      expect(answers.filter((a) => a.status === 200)).toHaveLength(0)
    })

    it('should answer 429 past the per-IP failure cap for a parallel burst, the right password included', async () => {
      const victim = await createUser(capApp.url, 'capvictim')
      const bodies = Array.from({ length: BURST }, (_, i) => ({
        username: victim.username,
        password: i === RIGHT_AT ? STRONG_PASSWORD : WRONG,
      }))
      const answers = await burst(new ApiClient(capApp.url), bodies, '198.51.100.2')
      const counts = countBy(answers)
      expect(counts['401 auth.invalid_credentials'] ?? 0).toBeLessThanOrEqual(30)
      expect(counts['429 rate_limited'] ?? 0).toBeGreaterThanOrEqual(BURST - 30 - 1)
      expect(answers[RIGHT_AT]!.status).toBe(429)
      for (const a of answers.filter((r) => r.status === 429)) expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0)
    })

    it('should not count successful logins against the IP cap', async () => {
      const user = await createUser(capApp.url, 'steady')
      const anon = new ApiClient(capApp.url)
      // 40 > the cap of 30: a success gives its reserved slot back
      for (let i = 0; i < 40; i++) {
        const res = await anon.request(
          'POST',
          '/auth/login',
          { username: user.username, password: STRONG_PASSWORD },
          { 'x-forwarded-for': '198.51.100.3' },
        )
        expect(res.status).toBe(200)
      }
    })
  })
}

describe('password hashing under a burst', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({
      overrides: {
        // the real cost, so a burst outruns the hashing threads
        'auth.hashProfile': 'owasp',
        'auth.hashConcurrency': 1,
        'auth.hashQueueMax': 2,
        'captcha.mode': 'off',
        'rateLimit.loginFailuresPerIp': 100_000,
      },
    })
  })
  afterAll(() => t?.close())

  it('should refuse what does not fit the hashing queue with 503 and Retry-After instead of queueing without bound', async () => {
    const anon = new ApiClient(t.url)
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => anon.post('/auth/login', { username: `nobody_${i}`, password: WRONG })),
    )
    const counts = countBy(answers)
    expect(Object.keys(counts).sort()).toEqual(['401 auth.invalid_credentials', '503 auth.busy'])
    expect(counts['401 auth.invalid_credentials']).toBeGreaterThanOrEqual(1)
    for (const a of answers.filter((r) => r.status === 503)) {
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(a.body.error.message).toMatch(/retry/i)
    }
    // once the burst is over, logins are served again
    const user = await createUser(t.url, 'afterburst')
    expect((await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })).status).toBe(200)
  })
})
