import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backoffDelay, DEFAULT_BACKOFF } from '@jim/client'

describe('backoffDelay', () => {
  it('should grow exponentially from the base and stop at the maximum', () => {
    const ceiling = (attempt: number) => backoffDelay(attempt, DEFAULT_BACKOFF, () => 1)
    expect(ceiling(0)).toBe(500)
    expect(ceiling(1)).toBe(1000)
    expect(ceiling(2)).toBe(2000)
    expect(ceiling(4)).toBe(8000)
    expect(ceiling(5)).toBe(15_000)
    expect(ceiling(50)).toBe(15_000)
    expect(ceiling(10_000)).toBe(15_000)
  })

  it('should draw the wait between (1 - jitter) x ceiling and the ceiling', () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0)).toBe(1000)
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0.5)).toBe(1500)
    expect(backoffDelay(2, { ...DEFAULT_BACKOFF, jitter: 0 }, () => 0)).toBe(2000)
    expect(backoffDelay(2, { ...DEFAULT_BACKOFF, jitter: 1 }, () => 0)).toBe(0)
  })

  it('should always stay within bounds for any attempt, options and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, baseMs, extra, factor, jitter, r) => {
          const options = { baseMs, maxMs: baseMs + extra, factor, jitter }
          const d = backoffDelay(attempt, options, () => r)
          const ceiling = Math.min(options.maxMs, baseMs * factor ** attempt)
          expect(d).toBeGreaterThanOrEqual(Math.floor(ceiling * (1 - jitter)) - 1)
          expect(d).toBeLessThanOrEqual(Math.ceil(ceiling) + 1)
          expect(d).toBeLessThanOrEqual(options.maxMs + 1)
        },
      ),
    )
  })

  it('should spread clients out: different random values give different waits', () => {
    const waits = new Set([0.1, 0.4, 0.7, 0.95].map((r) => backoffDelay(3, DEFAULT_BACKOFF, () => r)))
    expect(waits.size).toBe(4)
  })
})
