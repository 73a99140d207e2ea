/** A Prometheus histogram read from a `/metrics` page, summed over its label sets. */
export interface Histogram {
  /** cumulative counts by upper bound, ascending, ending with +Inf */
  buckets: Array<{ le: number; count: number }>
  sum: number
  count: number
}

/** Parses histogram `name` from Prometheus text; null when the page does not have it. */
export function parseHistogram(text: string, name: string): Histogram | null {
  const byLe = new Map<number, number>()
  let sum = 0
  let count = 0
  let found = false
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '_')) continue
    const value = Number(line.slice(line.lastIndexOf(' ') + 1))
    if (line.startsWith(name + '_bucket')) {
      const le = /le="([^"]+)"/.exec(line)?.[1]
      if (le === undefined) continue
      const bound = le === '+Inf' ? Infinity : Number(le)
      byLe.set(bound, (byLe.get(bound) ?? 0) + value)
      found = true
    } else if (line.startsWith(name + '_sum')) sum += value
    else if (line.startsWith(name + '_count')) count += value
  }
  if (!found) return null
  const buckets = [...byLe].map(([le, n]) => ({ le, count: n })).sort((a, b) => a.le - b.le)
  return { buckets, sum, count }
}

/** What was observed between two scrapes of the same histogram. */
export function histogramDelta(before: Histogram | null, after: Histogram): Histogram {
  if (!before) return after
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]))
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  }
}

/**
 * The q-quantile (0…1), interpolated linearly inside its bucket as PromQL's `histogram_quantile`
 * does; NaN without observations; the highest finite bound when it falls in +Inf.
 */
export function histogramQuantile(h: Histogram, q: number): number {
  const total = h.buckets.at(-1)?.count ?? 0
  if (total <= 0) return NaN
  const rank = q * total
  let lowerBound = 0
  let lowerCount = 0
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerBound
      const inBucket = b.count - lowerCount
      return inBucket === 0 ? b.le : lowerBound + ((b.le - lowerBound) * (rank - lowerCount)) / inBucket
    }
    lowerBound = b.le
    lowerCount = b.count
  }
  return lowerBound
}
