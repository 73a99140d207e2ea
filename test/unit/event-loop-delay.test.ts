import { describe, expect, it } from 'vitest'
import { moveDelays } from '../../src/shared/event-loop-delay.js'

const ms = (n: number) => n * 1e6

describe('event-loop delay samples', () => {
  it('should read an idle loop (ticks every 10.2 ms of a 10 ms timer) as 0.2 ms late, not 10 ms', () => {
    const seen: number[] = []
    moveDelays({ count: 4, percentiles: new Map([[100, ms(10.2)]]) }, 10, (s) => seen.push(s))
    expect(seen).toHaveLength(4)
    for (const s of seen) expect(s).toBeCloseTo(0.0002, 6)
  })

  it('should keep each percentile step as its share of the samples, a tick 40 ms late included', () => {
    const seen: number[] = []
    const percentiles = new Map([
      [50, ms(10.1)],
      [99, ms(12)],
      [100, ms(50)],
    ])
    moveDelays({ count: 100, percentiles }, 10, (s) => seen.push(s))
    expect(seen).toHaveLength(100)
    expect(seen.filter((s) => s < 0.001)).toHaveLength(50)
    expect(seen.filter((s) => Math.abs(s - 0.002) < 1e-9)).toHaveLength(49)
    expect(seen.filter((s) => Math.abs(s - 0.04) < 1e-9)).toHaveLength(1)
  })

  it('should never observe a negative delay when the timer fired a little early', () => {
    const seen: number[] = []
    moveDelays({ count: 2, percentiles: new Map([[100, ms(9.8)]]) }, 10, (s) => seen.push(s))
    expect(seen).toEqual([0, 0])
  })
})
