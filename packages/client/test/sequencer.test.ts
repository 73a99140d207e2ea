import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MessageSequencer } from '@jim/client'
import { msg } from './fake-socket.js'

describe('MessageSequencer', () => {
  it('should deliver the next seq and drop anything at or below the position', () => {
    const s = new MessageSequencer()
    s.seed('a', 5)
    expect(s.accept(msg('a', 6)).deliver.map((m) => m.seq)).toEqual([6])
    const dup = s.accept(msg('a', 6))
    expect(dup).toMatchObject({ deliver: [], duplicate: true, gapFrom: null })
    expect(s.accept(msg('a', 3)).duplicate).toBe(true)
    expect(s.position('a')).toBe(6)
  })

  it('should hold a message after a hole, report where to resume, and release it in order once filled', () => {
    const s = new MessageSequencer()
    s.seed('a', 10)
    const r = s.accept(msg('a', 13))
    expect(r).toMatchObject({ deliver: [], duplicate: false, gapFrom: 10 })
    expect(s.hasGap('a')).toBe(true)
    expect(s.accept(msg('a', 12)).gapFrom).toBe(10)
    expect(s.accept(msg('a', 13)).duplicate).toBe(true)
    expect(s.accept(msg('a', 11)).deliver.map((m) => m.seq)).toEqual([11, 12, 13])
    expect(s.hasGap('a')).toBe(false)
    expect(s.position('a')).toBe(13)
  })

  it('should keep conversations independent', () => {
    const s = new MessageSequencer()
    s.seed('a', 1)
    s.seed('b', 7)
    s.accept(msg('a', 3))
    expect(s.accept(msg('b', 8)).deliver).toHaveLength(1)
    expect(s.positions()).toEqual({ a: 1, b: 8 })
  })

  it('should start an unknown conversation at its first message', () => {
    const s = new MessageSequencer()
    expect(s.accept(msg('new', 4)).deliver.map((m) => m.seq)).toEqual([4])
    expect(s.position('new')).toBe(4)
  })

  it('should not move a known position when seeded again (a stale list must not skip messages)', () => {
    const s = new MessageSequencer()
    s.seed('a', 3)
    s.seed('a', 9)
    expect(s.position('a')).toBe(3)
  })

  it('should, after history filled a hole, drop what history covered and deliver the rest in order', () => {
    const s = new MessageSequencer()
    s.seed('a', 2)
    s.accept(msg('a', 6))
    s.accept(msg('a', 7))
    s.accept(msg('a', 9))
    expect(s.advance('a', 6).map((m) => m.seq)).toEqual([7])
    expect(s.position('a')).toBe(7)
    expect(s.hasGap('a')).toBe(true)
    expect(s.advance('a', 8).map((m) => m.seq)).toEqual([9])
    expect(s.hasGap('a')).toBe(false)
  })

  it('should never move a position back', () => {
    const s = new MessageSequencer()
    s.seed('a', 10)
    s.advance('a', 4)
    expect(s.position('a')).toBe(10)
  })

  it('should deliver every seq exactly once and in order, whatever the duplication and reordering', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 200 }), (n, noise) => {
        // every seq 1..n at least once, plus duplicates, in a random order
        const arrivals = [...Array.from({ length: n }, (_, i) => i + 1), ...noise.filter((x) => x <= n)]
        const order = arrivals.map((seq, i) => ({ seq, key: (seq * 7919 + i * 104729) % 1009 })).sort((a, b) => a.key - b.key)
        const s = new MessageSequencer()
        s.seed('a', 0)
        const delivered: number[] = []
        for (const { seq } of order) delivered.push(...s.accept(msg('a', seq)).deliver.map((m) => m.seq))
        expect(delivered).toEqual(Array.from({ length: n }, (_, i) => i + 1))
        expect(s.hasGap('a')).toBe(false)
      }),
    )
  })
})
