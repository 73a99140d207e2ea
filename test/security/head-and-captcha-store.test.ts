import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, STRONG_PASSWORD } from '../helpers/api-client.js'
import { captchaSolver } from '../helpers/captcha-solver.js'
import { deleteRedisKeys, redisAvailable, SHARED_REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

describe('HEAD requests and route limits', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'rateLimit.searchPerMinute': 4, 'rateLimit.captchaPerMinute': 4 } })
  })
  afterAll(() => t?.close())

  it('should count HEAD like GET, in parallel too', async () => {
    const user = await createUser(t.url, 'header')
    const heads = await Promise.all(Array.from({ length: 12 }, () => user.api.request('HEAD', '/users?q=hea')))
    expect(heads.filter((r) => r.status === 200)).toHaveLength(4)
    expect(heads.filter((r) => r.status === 429)).toHaveLength(8)
    const get = await user.api.get('/users?q=hea')
    expect(get.status).toBe(429)
    expect(get.body.error.code).toBe('rate_limited')
  })

  it('should not issue captchas for HEAD at all', async () => {
    const anon = new ApiClient(t.url)
    const heads = await Promise.all(Array.from({ length: 10 }, () => anon.request('HEAD', '/auth/captcha')))
    expect(new Set(heads.map((r) => r.status))).toEqual(new Set([404]))
    // the HEADs issued nothing and used none of the 4 fetches this minute
    for (let i = 0; i < 4; i++) expect((await anon.get('/auth/captcha')).status).toBe(200)
    expect((await anon.get('/auth/captcha')).status).toBe(429)
  })
})

for (const driver of ['memory', 'redis'] as const) {
  describe(`${driver}: a full captcha store`, async () => {
    if (driver === 'redis' && !(await redisAvailable())) return
    const prefix = uniqueRedisPrefix()
    let t: TestApp
    beforeAll(async () => {
      t = await startTestApp({
        dialect: driver === 'redis' ? 'postgres' : undefined,
        overrides: {
          'captcha.mode': 'always',
          'captcha.maxPending': 100,
          'rateLimit.captchaPerMinute': 100_000,
          ...(driver === 'redis'
            ? { 'broker.driver': 'redis', 'redis.url': SHARED_REDIS_URL, 'redis.prefix': prefix, 'files.driver': 'sql' }
            : {}),
        },
      })
    })
    afterAll(async () => {
      await t?.close()
      if (driver === 'redis') await deleteRedisKeys(prefix)
    })

    it("should refuse new challenges with 503 and Retry-After, never dropping someone else's pending one", async () => {
      const solve = captchaSolver(t.app, t.url)
      const victim = await solve()
      const anon = new ApiClient(t.url)
      // 150 parallel requests for the 99 places left
      const flood = await Promise.all(Array.from({ length: 150 }, () => anon.get('/auth/captcha')))
      expect(flood.filter((r) => r.status === 200)).toHaveLength(99)
      const refused = flood.filter((r) => r.status !== 200)
      expect(refused).toHaveLength(51)
      for (const r of refused) {
        expect(r.status).toBe(503)
        expect(r.body.error.code).toBe('auth.captcha_busy')
        const retryAfter = Number(r.headers.get('retry-after'))
        expect(retryAfter).toBeGreaterThan(0)
        expect(retryAfter).toBeLessThanOrEqual(300)
      }
      // the victim's challenge survived the flood and still works
      const registered = await anon.post('/auth/register', { username: `victim_${driver}`, password: STRONG_PASSWORD, captcha: victim })
      expect(registered.status).toBe(201)
      // an answered challenge frees its place
      expect((await anon.get('/auth/captcha')).status).toBe(200)
      expect((await anon.get('/auth/captcha')).status).toBe(503)
    })
  })
}
