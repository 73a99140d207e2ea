import { cpuMicros } from './proc-stats.js'

/**
 * Waits until the processes use less than `share` of a core over half a second (setup backlogs
 * such as pushes of the messages a scenario prepared have drained), at most `maxMs`.
 */
export async function waitIdle(pids: number[], share = 0.1, maxMs = 20_000): Promise<void> {
  const end = Date.now() + maxMs
  let before = pids.reduce((s, p) => s + cpuMicros(p), 0)
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 500))
    const now = pids.reduce((s, p) => s + cpuMicros(p), 0)
    if (now - before < share * 500_000) return
    before = now
  }
}
