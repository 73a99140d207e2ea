import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { Histogram, type Registry } from 'prom-client'

/** Resolution of the sampling timer: the histogram sees delays from about a millisecond up. */
const RESOLUTION_MS = 10

/** Bucket bounds in seconds: fine around the 10 ms an operator (and issue 14's goal) cares about. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

/**
 * `jim_event_loop_delay_seconds`: how late the event loop ran timers (perf_hooks samples every
 * 10 ms), as a Prometheus histogram. At each scrape the samples gathered since the last one are
 * moved from node's histogram (percentiles) into the Prometheus buckets, so the cost is per
 * scrape, not per sample. Long delays mean requests and pushes wait behind CPU work.
 */
export function eventLoopDelayHistogram(registry: Registry): { histogram: Histogram; stop: () => void } {
  const monitor = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  monitor.enable()
  const histogram: Histogram = new Histogram({
    name: 'jim_event_loop_delay_seconds',
    help: 'Event-loop delay (how late timers ran), sampled every 10 ms',
    buckets: BUCKETS,
    registers: [registry],
    collect() {
      moveDelays(monitor, RESOLUTION_MS, (seconds) => histogram.observe(seconds))
      monitor.reset()
    },
  })
  return { histogram, stop: () => monitor.disable() }
}

/**
 * Replays node's samples as delays in seconds. Node records the whole time between two ticks of
 * the sampling timer (the resolution plus the delay: an idle loop reads ~10 ms), so the
 * resolution is taken off each sample. Node's histogram only gives percentile -> value, so each
 * step between percentiles stands for its share of the samples.
 */
export function moveDelays(
  monitor: Pick<IntervalHistogram, 'count' | 'percentiles'>,
  resolutionMs: number,
  observe: (seconds: number) => void,
): void {
  const count = monitor.count
  if (count === 0) return
  let previous = 0
  let moved = 0
  for (const [percentile, ns] of monitor.percentiles) {
    const n = percentile === 100 ? count - moved : Math.round((count * (percentile - previous)) / 100)
    const seconds = Math.max(0, ns / 1e6 - resolutionMs) / 1000
    for (let i = 0; i < n && moved < count; i++, moved++) observe(seconds)
    previous = percentile
  }
}
