export type CaptchaPut = { stored: true } | { stored: false; retryAfterMs: number }

/**
 * Pending captcha challenges: an id and the HMAC of its answer, until it expires or is taken.
 * The memory implementation is per instance (a client answers on the instance that issued,
 * or gets `auth.captcha_invalid` and fetches another); a Redis one (SET PX + GETDEL) makes them
 * cluster-wide. Answers never reach the store in clear: only `digest`, keyed with JIM_SECRET.
 */
export interface CaptchaStore {
  /**
   * Saves a challenge until `expiresAt` (epoch ms), unless the store holds its capacity of live
   * challenges: then it saves nothing and says when the oldest expires. It never drops a live
   * challenge to make room (that would let a flood void someone else's solved captcha).
   */
  put(id: string, digest: string, expiresAt: number): Promise<CaptchaPut>
  /**
   * Removes the challenge and returns its digest if it exists and has not expired at `now`;
   * null otherwise. A challenge can be taken once: this is what makes captchas single use.
   */
  take(id: string, now: number): Promise<string | null>
}
