import { readFileSync } from 'node:fs'

/** clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux build we run on) */
const TICKS_PER_SECOND = 100

/** utime + stime of a process in µs (0 when it is gone). */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // fields after the command name, which may contain spaces: state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND
  } catch {
    return 0
  }
}

/** resident set size in bytes (0 when the process is gone) */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = /VmRSS:\s+(\d+) kB/.exec(status)
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

export interface ProcessUsage {
  /** CPU of all the pids together, µs */
  cpuMicros: number
  /** the sum of the pids' RSS: highest and mean of the samples, MiB */
  rssPeakMiB: number
  rssAvgMiB: number
}

/**
 * Measures the server processes over a phase: CPU from /proc before/after, RSS sampled every
 * 250 ms (summed over the pids: the whole server's footprint).
 */
export function startUsage(pids: number[]): { stop(): ProcessUsage } {
  const cpu0 = pids.reduce((s, p) => s + cpuMicros(p), 0)
  const samples: number[] = []
  const sample = () => samples.push(pids.reduce((s, p) => s + rssBytes(p), 0))
  sample()
  const timer = setInterval(sample, 250)
  return {
    stop() {
      clearInterval(timer)
      sample()
      const mib = 2 ** 20
      return {
        cpuMicros: pids.reduce((s, p) => s + cpuMicros(p), 0) - cpu0,
        rssPeakMiB: Math.max(...samples) / mib,
        rssAvgMiB: samples.reduce((a, b) => a + b, 0) / samples.length / mib,
      }
    },
  }
}
