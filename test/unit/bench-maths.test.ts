import { describe, expect, it } from 'vitest'
import { checkDeliveries, type Delivery } from '../../bench/lib/correctness.js'
import { parseHistogram, quantileBetween } from '../../bench/lib/jim-metrics.js'
import { evaluateGoals, goalTable, latencyChart, ratioTables } from '../../bench/lib/report.js'
import type { Goal, ResultRow } from '../../bench/lib/scenario.js'
import { histogramQuantile, percentile, summarize } from '../../bench/lib/stats.js'

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1)

  it('should pick the value at rank ceil(p/100 * n)', () => {
    expect(percentile(hundred, 50)).toBe(50)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile(hundred, 100)).toBe(100)
    expect(percentile([7], 99)).toBe(7)
    expect(percentile([1, 2, 3, 4], 0)).toBe(1)
  })

  it('should answer NaN for no samples, not 0 (an empty phase must not look fast)', () => {
    expect(percentile([], 99)).toBeNaN()
    expect(summarize([]).p99).toBeNaN()
  })

  it('should sort numerically, not as strings, before summarizing', () => {
    const s = summarize([10, 9, 100, 2, 1000])
    expect(s).toEqual({ count: 5, p50: 10, p95: 1000, p99: 1000, max: 1000 })
  })
})

describe('histogram quantiles from /metrics', () => {
  const exposition = (counts: number[]) =>
    [
      '# TYPE jim_event_loop_delay_seconds histogram',
      `jim_event_loop_delay_seconds_bucket{le="0.001"} ${counts[0]}`,
      `jim_event_loop_delay_seconds_bucket{le="0.01"} ${counts[1]}`,
      `jim_event_loop_delay_seconds_bucket{le="0.1"} ${counts[2]}`,
      `jim_event_loop_delay_seconds_bucket{le="+Inf"} ${counts[3]}`,
      `jim_event_loop_delay_seconds_sum 1`,
      `jim_other_bucket{le="1"} 5`,
    ].join('\n')

  it('should take the upper bound of the bucket the quantile falls in', () => {
    expect(
      histogramQuantile(
        [
          { le: 1, count: 98 },
          { le: 10, count: 100 },
        ],
        0.99,
      ),
    ).toBe(10)
    expect(
      histogramQuantile(
        [
          { le: 1, count: 99 },
          { le: 10, count: 100 },
        ],
        0.99,
      ),
    ).toBe(1)
    expect(histogramQuantile([{ le: 1, count: 0 }], 0.99)).toBeNaN()
  })

  it('should report the last finite bound when the quantile is past it', () => {
    expect(
      histogramQuantile(
        [
          { le: 1, count: 1 },
          { le: Infinity, count: 100 },
        ],
        0.99,
      ),
    ).toBe(1)
  })

  it('should count only what happened between two scrapes, in milliseconds', () => {
    const before = parseHistogram(exposition([1000, 1000, 1000, 1000]), 'jim_event_loop_delay')
    // 100 new samples: 90 under 1 ms, 8 under 10 ms, 2 under 100 ms
    const after = parseHistogram(exposition([1090, 1098, 1100, 1100]), 'jim_event_loop_delay')!
    expect(after.name).toBe('jim_event_loop_delay_seconds')
    expect(quantileBetween(before, after, 0.99)).toBe(100)
    expect(quantileBetween(before, after, 0.9)).toBe(1)
    // the cumulative counts alone would say p99 <= 1 ms
    expect(quantileBetween(undefined, after, 0.9)).toBe(1)
  })

  it('should find nothing when JIM exports no such histogram', () => {
    expect(parseHistogram('jim_messages_total 3\n', 'jim_event_loop_delay')).toBeUndefined()
  })
})

describe('checkDeliveries', () => {
  const d = (receiver: string, conversationId: string, seq: number): Delivery => ({
    receiver,
    conversationId,
    seq,
    clientMsgId: `${conversationId}-${seq}`,
  })
  const ack = (conversationId: string, seq: number) => ({ conversationId, clientMsgId: `${conversationId}-${seq}` })

  it('should pass a complete, in-order stream', () => {
    expect(checkDeliveries([ack('c', 1), ack('c', 2)], [d('r', 'c', 1), d('r', 'c', 2)])).toEqual({
      lost: 0,
      duplicated: 0,
      gaps: 0,
      errors: 0,
    })
  })

  it('should count an acknowledged message nobody got as lost, and the hole it leaves as a gap', () => {
    const r = checkDeliveries([ack('c', 1), ack('c', 2), ack('c', 3)], [d('r', 'c', 1), d('r', 'c', 3)])
    expect(r.lost).toBe(1)
    expect(r.gaps).toBe(1)
  })

  it('should count a second delivery of the same message to the same receiver as a duplicate', () => {
    const r = checkDeliveries([ack('c', 1)], [d('r', 'c', 1), d('r', 'c', 1)])
    expect(r).toMatchObject({ lost: 0, duplicated: 1, gaps: 0 })
  })

  it('should not count the same message reaching two receivers (a group) as a duplicate', () => {
    expect(checkDeliveries([ack('g', 1)], [d('a', 'g', 1), d('b', 'g', 1)]).duplicated).toBe(0)
  })

  it('should find gaps per conversation and receiver, also before the first delivered seq', () => {
    const r = checkDeliveries([], [d('r', 'a', 2), d('r', 'a', 3), d('r', 'b', 1), d('r', 'b', 4)])
    expect(r.gaps).toBe(1 + 2)
  })

  it('should pass failed requests through as errors, not as lost', () => {
    expect(checkDeliveries([], [], 4)).toEqual({ lost: 0, duplicated: 0, gaps: 0, errors: 4 })
  })
})

describe('ratio and goal tables', () => {
  const row = (target: ResultRow['target'], metrics: ResultRow['metrics'], extra: Partial<ResultRow> = {}): ResultRow => ({
    scenario: 'direct-rest-full',
    shape: 'embedded',
    target,
    metrics,
    ...extra,
  })
  const rows: ResultRow[] = [
    row('jim', { msgPerSec: 3000, cpuUsPerMsg: 200 }, { correctness: { lost: 0, duplicated: 0, gaps: 0, errors: 0 } }),
    row('least-code', { msgPerSec: 10000, cpuUsPerMsg: 80 }),
    row('socketio', { msgPerSec: 1500, cpuUsPerMsg: 250 }),
    row('jim', { p99Ms: 12 }, { scenario: 'direct-rest-rate', offered: 1000 }),
    row('jim', { p99Ms: 4 }, { scenario: 'direct-rest-rate', offered: 500 }),
  ]
  const goals: Goal[] = [
    { label: 'a', scenario: 'direct-rest-full', shape: 'embedded', metric: 'msgPerSec', versus: 'least-code', op: '>=', value: 0.5 },
    { label: 'b', scenario: 'direct-rest-full', shape: 'embedded', metric: 'msgPerSec', versus: 'socketio', op: '>=', value: 1.5 },
    { label: 'c', scenario: 'direct-rest-full', shape: 'embedded', metric: 'cpuUsPerMsg', op: '<=', value: 150 },
    { label: 'd', scenario: 'direct-rest-rate', shape: 'embedded', offered: 1000, metric: 'p99Ms', op: '<=', value: 15 },
    { label: 'e', scenario: 'direct-rest-full', shape: 'mysql', metric: 'msgPerSec', versus: 'least-code', op: '>=', value: 0.75 },
  ]

  it('should divide JIM by the baseline of the same scenario, shape and offered rate', () => {
    const results = evaluateGoals(goals, rows)
    expect(results.map((r) => r.met)).toEqual([false, true, false, true, undefined])
    expect(results[0]!.value).toBeCloseTo(0.3)
    expect(results[1]!.value).toBeCloseTo(2)
    expect(results[3]!.jim).toBe(12)
  })

  it('should print met / not met / not measured and the correctness line', () => {
    const table = goalTable(evaluateGoals(goals, rows), rows)
    expect(table).toContain('| a | 3,000 | 10,000 | 0.30x | >= 0.5x least-code | **not met** |')
    expect(table).toContain('| b | 3,000 | 1,500 | 2.00x | >= 1.5x socketio | met |')
    expect(table).toContain('| e | – | – | – | >= 0.75x least-code | not measured |')
    expect(table).toMatch(/0 lost, 0 duplicated, seq gapless \(JIM, 1 rows\) \| 0 bad .* met \|$/m)
  })

  it('should flag a JIM row with a lost message', () => {
    const bad = [row('jim', { msgPerSec: 1 }, { correctness: { lost: 1, duplicated: 0, gaps: 0, errors: 0 } })]
    expect(goalTable([], bad)).toContain('| 1 bad | | | 0 | **not met** |')
  })

  it('should show each metric with JIM / baseline ratios', () => {
    const text = ratioTables(rows)
    expect(text).toContain('| stored+delivered msg/s | 3,000 | 10,000 | 1,500 | 0.30x | 2.00x |')
    expect(text).toContain('| server CPU µs/msg | 200 | 80.0 | 250 | 2.50x | 0.80x |')
    expect(text).toContain('#### direct-rest-rate, embedded, offered 1000 msg/s')
  })

  it('should draw one line per target in the latency chart', () => {
    const svg = latencyChart(
      [
        ...rows,
        row('least-code', { p99Ms: 2 }, { scenario: 'direct-rest-rate', offered: 500 }),
        row('least-code', { p99Ms: 3 }, { scenario: 'direct-rest-rate', offered: 1000 }),
      ],
      'direct-rest-rate',
      'title',
    )
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.match(/<polyline/g)).toHaveLength(2)
    expect(svg).toContain('JIM (embedded)')
    expect(svg).not.toMatch(/NaN|Infinity/)
  })
})
