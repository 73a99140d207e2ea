/**
 * Pending captcha challenges: an id and the HMAC of its answer, until it expires or is taken.
 * The memory implementation is per instance (a client answers on the instance that issued,
 * or gets `auth.captcha_invalid` and fetches another); a Redis one (SET PX + GETDEL) makes them
 * cluster-wide. Answers never reach the store in clear: only `digest`, keyed with JIM_SECRET.
 */
export interface CaptchaStore {
  /** Saves a challenge until `expiresAt` (epoch ms). Bounded: may drop the oldest challenges. */
  put(id: string, digest: string, expiresAt: number): Promise<void>
  /**
   * Removes the challenge and returns its digest if it exists and has not expired at `now`;
   * null otherwise. A challenge can be taken once: this is what makes captchas single use.
   */
  take(id: string, now: number): Promise<string | null>
}
