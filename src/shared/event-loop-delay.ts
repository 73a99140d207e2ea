import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Histogram, type Registry } from 'prom-client'

/** Resolution of the sampling timer: the histogram sees delays from about this size up. */
const RESOLUTION_MS = 10

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
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
    collect() {
      const count = monitor.count
      if (count === 0) return
      // node's histogram gives percentile -> delay (ns); each step between percentiles is a share of the samples
      let previous = 0
      let moved = 0
      for (const [percentile, ns] of monitor.percentiles) {
        const n = percentile === 100 ? count - moved : Math.round((count * (percentile - previous)) / 100)
        for (let i = 0; i < n && moved < count; i++, moved++) histogram.observe(ns / 1e9)
        previous = percentile
      }
      monitor.reset()
    },
  })
  return { histogram, stop: () => monitor.disable() }
}
