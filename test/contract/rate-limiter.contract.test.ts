import { expect, it } from 'vitest'
import { ManualClock } from '../../src/shared/clock.js'
import { newId } from '../../src/shared/ids.js'
import { freePort } from '../helpers/redis.js'
import { describeEachBroker, fallbackOnly } from './shared-state-contract.js'

const rule = { limit: 3, windowMs: 60_000 }
const key = () => `test:${newId()}`

describeEachBroker('RateLimiter contract', (ctx) => {
  it('should allow up to the limit, then refuse with the wait until the oldest event leaves the window', async () => {
    const clock = new ManualClock()
    const [limiter] = await ctx().limiters(1, clock)
    const k = key()
    for (let i = 1; i <= 3; i++) {
      expect(await limiter!.hit(k, rule)).toMatchObject({ count: i, allowed: true, retryAfterMs: 0, eventId: expect.any(String) })
      clock.advance(1000)
    }
    expect(await limiter!.hit(k, rule)).toEqual({ count: 3, allowed: false, retryAfterMs: 57_000 })
    // refused hits record nothing: the window slides as if they never happened
    clock.advance(57_000)
    expect(await limiter!.hit(k, rule)).toMatchObject({ count: 3, allowed: true, retryAfterMs: 0 })
  })

  it('should peek without recording, and forget a key on reset', async () => {
    const clock = new ManualClock()
    const [limiter] = await ctx().limiters(1, clock)
    const k = key()
    expect(await limiter!.peek(k, rule)).toEqual({ count: 0, allowed: true, retryAfterMs: 0 })
    await limiter!.hit(k, rule)
    await limiter!.hit(k, rule)
    expect(await limiter!.peek(k, rule)).toEqual({ count: 2, allowed: true, retryAfterMs: 0 })
    await limiter!.hit(k, rule)
    expect(await limiter!.peek(k, rule)).toEqual({ count: 3, allowed: false, retryAfterMs: 60_000 })
    await limiter!.reset(k)
    expect(await limiter!.peek(k, rule)).toEqual({ count: 0, allowed: true, retryAfterMs: 0 })
  })

  it('should let exactly `limit` of many concurrent hits through, across instances', async () => {
    const clock = new ManualClock()
    const limiters = await ctx().limiters(3, clock)
    const k = key()
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => limiters[i % 3]!.hit(k, { limit: 10, windowMs: 60_000 })))
    expect(results.filter((r) => r.allowed)).toHaveLength(10)
    expect(Math.max(...results.map((r) => r.count))).toBe(10)
  })

  it('should take back exactly the released event, even from another instance', async () => {
    const clock = new ManualClock()
    const [a, b] = await ctx().limiters(2, clock)
    const k = key()
    const first = await a!.hit(k, rule)
    clock.advance(10)
    const second = await a!.hit(k, rule)
    await a!.hit(k, rule)
    expect((await a!.hit(k, rule)).allowed).toBe(false)
    await b!.release(k, second.eventId!)
    await b!.release(k, second.eventId!)
    await b!.release(k, 'not-an-event')
    expect(await a!.peek(k, rule)).toEqual({ count: 2, allowed: true, retryAfterMs: 0 })
    await a!.release(k, first.eventId!)
    expect((await a!.peek(k, rule)).count).toBe(1)
  })

  it('should keep keys apart and count only the newest `limit` events for a smaller rule', async () => {
    const clock = new ManualClock()
    const [limiter] = await ctx().limiters(1, clock)
    const [a, b] = [key(), key()]
    for (let i = 0; i < 5; i++) {
      await limiter!.hit(a, { limit: 10, windowMs: 60_000 })
      clock.advance(100)
    }
    expect((await limiter!.peek(b, rule)).count).toBe(0)
    expect(await limiter!.peek(a, rule)).toEqual({ count: 3, allowed: false, retryAfterMs: 60_000 - 300 })
  })
})

describeEachBroker(
  'RateLimiter while Redis is down',
  (ctx) => {
    it('should fall back to per-instance limits instead of failing or letting everything through', async () => {
      const clock = new ManualClock()
      const limiter = fallbackOnly(ctx(), clock, `redis://127.0.0.1:${await freePort()}`)
      const k = key()
      const results = []
      for (let i = 0; i < 5; i++) results.push(await limiter.hit(k, rule))
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false])
      await limiter.reset(k)
      expect((await limiter.hit(k, rule)).allowed).toBe(true)
    })
  },
  { drivers: ['redis'] },
)

describeEachBroker('CaptchaStore contract', (ctx) => {
  it('should hand a challenge out once, on any instance, and never after it expires', async () => {
    const clock = new ManualClock()
    const [a, b] = await ctx().captchaStores(2, clock)
    const now = clock.now()
    expect(await a!.put('c1', 'digest-1', now + 60_000)).toEqual({ stored: true })
    expect(await a!.put('c2', 'digest-2', now + 1000)).toEqual({ stored: true })
    expect(await b!.take('c1', now)).toBe('digest-1')
    expect(await a!.take('c1', now)).toBeNull()
    expect(await b!.take('c2', now + 1000)).toBeNull()
    expect(await b!.take('unknown', now)).toBeNull()
  })
})

describeEachBroker('CaptchaStore capacity', (ctx) => {
  it('should refuse new challenges when full, never dropping a pending one, and make room as they expire or are taken', async () => {
    const clock = new ManualClock()
    const [a, b] = await ctx().captchaStores(2, clock, 3)
    const now = clock.now()
    const puts = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a! : b!).put(`p${i}`, `d${i}`, now + 10_000 + i)))
    // memory instances are one process here, so the capacity is shared like redis's
    expect(puts.filter((p) => p.stored)).toHaveLength(3)
    for (const refused of puts.filter((p) => !p.stored)) {
      expect(refused).toEqual({ stored: false, retryAfterMs: expect.any(Number) })
      expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(9_000)
    }
    const kept = puts.flatMap((p, i) => (p.stored ? [i] : []))
    for (const i of kept) expect(await a!.take(`p${i}`, now)).toBe(`d${i}`)
    expect((await b!.put('after-take', 'd', now + 10_000)).stored).toBe(true)
    clock.advance(11_000)
    const later = clock.now()
    expect((await a!.put('x1', 'd', later + 10_000)).stored).toBe(true)
    expect((await a!.put('x2', 'd', later + 10_000)).stored).toBe(true)
    expect((await a!.put('x3', 'd', later + 10_000)).stored).toBe(true)
    expect((await a!.put('x4', 'd', later + 10_000)).stored).toBe(false)
  })
})
