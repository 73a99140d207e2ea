import { describe, expect, it } from 'vitest'
import { FrameLimiter } from '../../src/gateway/frame-limiter.js'

const limiter = new FrameLimiter({
  byType: { resume: { perSecond: 2, burst: 5 } },
  fallback: { perSecond: 10, burst: 20 },
  refusalsBeforeClose: 3,
})

describe('FrameLimiter', () => {
  it('should serve the burst, refuse the next with retryAfter, and refill over time', () => {
    const state = limiter.newState(0)
    for (let i = 0; i < 5; i++) expect(limiter.take(state, 'resume', 0)).toEqual({ ok: true })
    expect(limiter.take(state, 'resume', 0)).toEqual({ ok: false, retryAfter: 1, close: false })
    // other types have their own bucket
    expect(limiter.take(state, 'typing', 0)).toEqual({ ok: true })
    // 2/s: half a second buys one more resume
    expect(limiter.take(state, 'resume', 500)).toEqual({ ok: true })
  })

  it('should never refuse a steady pace within the rate', () => {
    const state = limiter.newState(0)
    for (let t = 0; t < 60_000; t += 500) expect(limiter.take(state, 'resume', t).ok).toBe(true)
  })

  it('should ask to close after refusalsBeforeClose refusals, forgiving one per second', () => {
    const state = limiter.newState(0)
    for (let i = 0; i < 20; i++) limiter.take(state, 'ping', 0)
    const verdicts = Array.from({ length: 4 }, () => limiter.take(state, 'ping', 0))
    expect(verdicts.map((v) => !v.ok && v.close)).toEqual([false, false, false, true])

    const patient = limiter.newState(0)
    for (let i = 0; i < 5; i++) limiter.take(patient, 'resume', 0)
    // one refusal per second is forgiven as fast as it comes: never closed
    for (let t = 0; t < 30_000; t += 1000) {
      for (let i = 0; i < 2; i++) limiter.take(patient, 'resume', t)
      const v = limiter.take(patient, 'resume', t)
      expect(v).toMatchObject({ ok: false, close: false })
    }
  })
})
