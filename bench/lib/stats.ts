/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}

export interface LatencySummary {
  count: number
  p50: number
  p95: number
  p99: number
  max: number
}

export function summarize(latencies: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latencies).sort()
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1]! : NaN),
  }
}

export const round = (n: number, digits = 2) => {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

/**
 * p-quantile from a Prometheus histogram's cumulative buckets (`le` upper bounds, counts), taking
 * the upper bound of the bucket the quantile falls in (as precise as the buckets, never optimistic;
 * past the last finite bound, that bound).
 */
export function histogramQuantile(buckets: Array<{ le: number; count: number }>, q: number): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le)
  const total = sorted.at(-1)?.count ?? 0
  if (total <= 0) return NaN
  const rank = q * total
  let lastFinite = NaN
  for (const b of sorted) {
    // beyond the last finite bound all we know is "at least that"
    if (b.count >= rank) return Number.isFinite(b.le) ? b.le : lastFinite
    lastFinite = b.le
  }
  return lastFinite
}
