/** Reconnect waits: capped exponential growth with jitter. */
export interface BackoffOptions {
  /** ceiling of the first retry */
  baseMs: number
  /** no retry waits longer than this */
  maxMs: number
  factor: number
  /** 0..1: share of the ceiling that is randomised (0.5: waits between half and all of it) */
  jitter: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000, factor: 2, jitter: 0.5 }

/**
 * How long to wait before reconnect attempt `attempt` (0 = the first retry): the ceiling grows
 * `baseMs * factor^attempt` up to `maxMs`; the wait is drawn from `[ceiling*(1-jitter), ceiling]`
 * so a server restart is not met by every client at the same instant.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * Math.pow(options.factor, Math.max(0, attempt)))
  const floor = ceiling * (1 - Math.min(1, Math.max(0, options.jitter)))
  const r = Math.min(1, Math.max(0, random()))
  return Math.round(floor + r * (ceiling - floor))
}

/** Timers, injected so tests can drive time by hand. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  now(): number
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
}
