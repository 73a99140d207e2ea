import { describe, expect, it } from 'vitest'
import { DeliveryTally } from '../../../bench/lib/delivery-tally.js'

describe('DeliveryTally', () => {
  it('reports exactly once when every receiver got every message once', () => {
    const tally = new DeliveryTally(3, 2)
    for (let r = 0; r < 3; r++) for (let id = 0; id < 5; id++) tally.record(r, id)
    expect(tally.result(5)).toEqual({ expected: 15, delivered: 15, missing: 0, gaps: 0, duplicates: 0, unexpected: 0, exactlyOnce: true })
  })

  it('does not let a duplicate hide a loss', () => {
    const tally = new DeliveryTally(2)
    tally.record(0, 0)
    tally.record(0, 0)
    tally.record(1, 0)
    tally.record(1, 1)
    const result = tally.result(2)
    expect(result.delivered).toBe(4)
    expect(result.missing).toBe(1)
    expect(result.gaps).toBe(0)
    expect(result.duplicates).toBe(1)
    expect(result.exactlyOnce).toBe(false)
  })

  it('counts messages never sent and unknown receivers as unexpected', () => {
    const tally = new DeliveryTally(1)
    tally.record(0, 0)
    tally.record(0, 7)
    tally.record(5, 0)
    tally.record(0, -1)
    expect(tally.result(1)).toMatchObject({ delivered: 1, missing: 0, unexpected: 3, exactlyOnce: false })
  })

  it('counts ids beyond the first capacity and messages no receiver got', () => {
    const tally = new DeliveryTally(2, 1)
    tally.record(0, 3000)
    expect(tally.result(3001)).toMatchObject({ expected: 6002, delivered: 1, missing: 6001 })
  })

  it('tells holes from a missing tail', () => {
    const tally = new DeliveryTally(1)
    tally.record(0, 0)
    tally.record(0, 2)
    expect(tally.result(5)).toMatchObject({ missing: 3, gaps: 1 })
  })

  it('expects nothing of sends that failed', () => {
    const tally = new DeliveryTally(2)
    for (const r of [0, 1]) for (const id of [0, 2]) tally.record(r, id)
    expect(tally.result(3, new Set([1]))).toMatchObject({ expected: 4, delivered: 4, missing: 0, gaps: 0, exactlyOnce: true })
  })
})
