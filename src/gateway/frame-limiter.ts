import type { Config } from '../config/config.js'

/** A token bucket's shape: `perSecond` refill, at most `burst` saved up. */
export interface FrameBudget {
  perSecond: number
  burst: number
}

export interface FrameLimits {
  /** budgets of the frame types that cost more (or less) than the default */
  byType: Record<string, FrameBudget>
  fallback: FrameBudget
  /** refusals a socket may collect (refilled one per second) before it is closed with 1008 */
  refusalsBeforeClose: number
}

export type FrameVerdict = { ok: true } | { ok: false; retryAfter: number; close: boolean }

/** The per-type budgets as configured; null when rate limits are off (bench mode). */
export function frameLimits(config: Config): FrameLimits | null {
  if (!config.rateLimit.enabled) return null
  const { ws, messages } = config
  const sendPerSecond = messages.sendPerMinute / 60
  return {
    byType: {
      // a resume reads every conversation of the user: the costly one
      resume: { perSecond: ws.resumePerSecond, burst: ws.resumeBurst },
      // a burst (an outbox flushed on reconnect) is fine; the per-minute send limit still applies behind it
      'message.send': { perSecond: sendPerSecond, burst: Math.max(5, Math.ceil(messages.sendPerMinute / 4)) },
      // ICE candidates trickle in bursts when a connection starts (a few per network interface and server)
      'call.signal': { perSecond: config.calls.signalsPerSecond, burst: config.calls.signalsPerSecond * 4 },
    },
    fallback: { perSecond: ws.framesPerSecond, burst: ws.framesPerSecond * 2 },
    refusalsBeforeClose: ws.refusalsBeforeClose,
  }
}

/**
 * Per-socket token buckets, one per frame type, plus one for refusals. A socket's state is a
 * few numbers (see `newState`) refilled lazily when a frame arrives: no timer per socket.
 */
export class FrameLimiter {
  readonly #budgets: FrameBudget[]
  readonly #index = new Map<string, number>()
  readonly #strikes: FrameBudget

  constructor(limits: FrameLimits) {
    this.#budgets = [limits.fallback]
    for (const [type, budget] of Object.entries(limits.byType)) {
      this.#index.set(type, this.#budgets.length)
      this.#budgets.push(budget)
    }
    this.#strikes = { perSecond: 1, burst: limits.refusalsBeforeClose }
    this.#budgets.push(this.#strikes)
  }

  /** tokens then last-refill time (ms) for each bucket; every bucket starts full */
  newState(now: number): Float64Array {
    const n = this.#budgets.length
    const state = new Float64Array(n * 2)
    for (let i = 0; i < n; i++) {
      state[i] = this.#budgets[i]!.burst
      state[n + i] = now
    }
    return state
  }

  /** Spends one token of `type`; a refusal also spends a strike, and the last strike means close. */
  take(state: Float64Array, type: string, now: number): FrameVerdict {
    const i = this.#index.get(type) ?? 0
    if (spend(state, i, this.#budgets[i]!, now, this.#budgets.length)) return { ok: true }
    const budget = this.#budgets[i]!
    const retryAfter = Math.max(1, Math.ceil((1 - state[i]!) / budget.perSecond))
    const strike = this.#budgets.length - 1
    return { ok: false, retryAfter, close: !spend(state, strike, this.#strikes, now, this.#budgets.length) }
  }
}

function spend(state: Float64Array, i: number, budget: FrameBudget, now: number, n: number): boolean {
  const tokens = Math.min(budget.burst, state[i]! + ((now - state[n + i]!) / 1000) * budget.perSecond)
  state[n + i] = now
  if (tokens < 1) {
    state[i] = tokens
    return false
  }
  state[i] = tokens - 1
  return true
}
