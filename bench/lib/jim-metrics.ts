import { histogramQuantile } from './stats.js'

export interface HistogramSnapshot {
  /** the histogram's name (without _bucket) */
  name: string
  /** cumulative count per upper bound `le` (in the histogram's own unit) */
  buckets: Map<number, number>
}

/**
 * Reads the first histogram whose name starts with `prefix` from a Prometheus text exposition
 * (summing series that differ in other labels). Undefined when there is none.
 */
export function parseHistogram(text: string, prefix: string): HistogramSnapshot | undefined {
  let name: string | undefined
  const buckets = new Map<number, number>()
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue
    const m = /^(\w+)_bucket\{(.*)\}\s+(\S+)/.exec(line)
    if (!m) continue
    if (name === undefined) name = m[1]
    if (m[1] !== name) continue
    const le = /(?:^|,)le="([^"]+)"/.exec(m[2]!)?.[1]
    if (le === undefined) continue
    const bound = le === '+Inf' ? Infinity : Number(le)
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(m[3]))
  }
  return name === undefined ? undefined : { name, buckets }
}

/** p-quantile in ms of what a histogram recorded between two snapshots. */
export function quantileBetween(before: HistogramSnapshot | undefined, after: HistogramSnapshot, q: number): number {
  const delta = [...after.buckets].map(([le, count]) => ({ le, count: count - (before?.buckets.get(le) ?? 0) }))
  const value = histogramQuantile(delta, q)
  return /_seconds$/.test(after.name) || /seconds/.test(after.name) ? value * 1000 : value
}

export async function scrapeEventLoop(metricsUrl: string): Promise<HistogramSnapshot | undefined> {
  try {
    const res = await fetch(metricsUrl)
    return res.ok ? parseHistogram(await res.text(), 'jim_event_loop_delay') : undefined
  } catch {
    return undefined
  }
}

/**
 * Event-loop delay p99 (ms) over a phase, worst instance; undefined when JIM exports no
 * `jim_event_loop_delay*` histogram.
 */
export async function eventLoopMeter(metricsUrls: string[]): Promise<{ stop(): Promise<number | undefined> }> {
  const before = await Promise.all(metricsUrls.map(scrapeEventLoop))
  return {
    async stop() {
      const after = await Promise.all(metricsUrls.map(scrapeEventLoop))
      const p99s = after.flatMap((a, i) => (a ? [quantileBetween(before[i], a, 0.99)] : [])).filter((v) => Number.isFinite(v))
      return p99s.length ? Math.max(...p99s) : undefined
    },
  }
}
