import { histogramDelta, histogramQuantile, parseHistogram, type Histogram } from './prom-histogram.js'

const NAME = 'jim_event_loop_delay_seconds'

async function scrape(url: string): Promise<Histogram | null> {
  try {
    const res = await fetch(url)
    return res.ok ? parseHistogram(await res.text(), NAME) : null
  } catch {
    return null
  }
}

/**
 * Watches JIM's `jim_event_loop_delay_seconds` histogram over a phase; `stop()` gives the p99 in ms
 * of what the instances observed meanwhile (the worst instance), or undefined when /metrics does
 * not export it (older builds, baselines).
 */
export async function watchEventLoop(metricsUrls: string[]): Promise<{ stop(): Promise<number | undefined> }> {
  const before = await Promise.all(metricsUrls.map(scrape))
  return {
    async stop() {
      const after = await Promise.all(metricsUrls.map(scrape))
      let worst: number | undefined
      after.forEach((h, i) => {
        if (!h) return
        const p99 = histogramQuantile(histogramDelta(before[i] ?? null, h), 0.99) * 1000
        if (Number.isFinite(p99)) worst = Math.max(worst ?? 0, Math.round(p99 * 100) / 100)
      })
      return worst
    },
  }
}
