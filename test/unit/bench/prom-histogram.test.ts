import { describe, expect, it } from 'vitest'
import { histogramDelta, histogramQuantile, parseHistogram } from '../../../bench/lib/prom-histogram.js'

const page = (counts: [number, number, number, number]) => `# HELP jim_event_loop_delay_seconds Event-loop delay
# TYPE jim_event_loop_delay_seconds histogram
jim_event_loop_delay_seconds_bucket{le="0.001"} ${counts[0]}
jim_event_loop_delay_seconds_bucket{le="0.01"} ${counts[1]}
jim_event_loop_delay_seconds_bucket{le="0.1"} ${counts[2]}
jim_event_loop_delay_seconds_bucket{le="+Inf"} ${counts[3]}
jim_event_loop_delay_seconds_sum 1.5
jim_event_loop_delay_seconds_count ${counts[3]}
jim_event_loop_delay_seconds_other 3
jim_http_requests_total 7
`

describe('prom histogram', () => {
  it('is null when the page has no such histogram', () => {
    expect(parseHistogram('jim_http_requests_total 7\n', 'jim_event_loop_delay_seconds')).toBeNull()
  })

  it('sums label sets and interpolates inside the bucket like histogram_quantile', () => {
    const text = page([0, 0, 0, 0]).replace(/\{le/g, '{instance="a",le') + page([50, 90, 100, 100]).replace(/\{le/g, '{instance="b",le')
    const h = parseHistogram(text, 'jim_event_loop_delay_seconds')!
    expect(h.count).toBe(100)
    expect(h.buckets.map((b) => b.count)).toEqual([50, 90, 100, 100])
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(0.001)
    // rank 99 falls in (0.01, 0.1] holding 10 observations: 0.01 + 0.09 * 9/10
    expect(histogramQuantile(h, 0.99)).toBeCloseTo(0.091)
  })

  it('measures only what happened between two scrapes', () => {
    const before = parseHistogram(page([100, 100, 100, 100]), 'jim_event_loop_delay_seconds')
    const after = parseHistogram(page([100, 190, 200, 200]), 'jim_event_loop_delay_seconds')!
    const delta = histogramDelta(before, after)
    expect(delta.count).toBe(100)
    expect(histogramQuantile(delta, 0.5)).toBeCloseTo(0.006)
  })

  it('answers the highest finite bound beyond it, and NaN without observations', () => {
    expect(histogramQuantile(parseHistogram(page([0, 0, 0, 10]), 'jim_event_loop_delay_seconds')!, 0.99)).toBe(0.1)
    expect(histogramQuantile(parseHistogram(page([0, 0, 0, 0]), 'jim_event_loop_delay_seconds')!, 0.99)).toBeNaN()
  })
})
