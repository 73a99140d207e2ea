/** How many events a key may have in a sliding window. */
export interface LimitRule {
  limit: number
  windowMs: number
}

/** A key's state after a hit or peek. */
export interface LimitState {
  /** events in the window ending now (never more than the rule's limit) */
  count: number
  /** hit: the event was recorded; peek: one more would be */
  allowed: boolean
  /** when the oldest counted event leaves the window (0 while allowed) */
  retryAfterMs: number
  /** hit and allowed: names the recorded event, so `release` can take exactly it back */
  eventId?: string
}

/**
 * Sliding-window event counters keyed by strings (`login-fail:ip:10.0.0.1`, `route:search:user:01H...`).
 * Used for request limits and for failure counters (login throttling). The memory implementation
 * is per instance; a Redis one (sorted set per key) makes the counts cluster-wide.
 *
 * Contract: a key never holds more than `limit` events for the rule it is hit with; hitting a key
 * at its limit records nothing and answers `allowed: false` with the wait until a slot frees.
 * Implementations bound their memory; under pressure they may forget the least recently used keys.
 */
export interface RateLimiter {
  /** Records one event under `key` if the window has room. */
  hit(key: string, rule: LimitRule): Promise<LimitState>
  /** The state of `key` under `rule`, recording nothing. */
  peek(key: string, rule: LimitRule): Promise<LimitState>
  /** Forgets every event of `key` (a successful login clears its failures). */
  reset(key: string): Promise<void>
  /**
   * Takes back one event a `hit` recorded (its `eventId`): a reservation made before a costly
   * check that turned out not to count (a login whose password was right). Unknown ids are ignored.
   */
  release(key: string, eventId: string): Promise<void>
}
