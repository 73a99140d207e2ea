import { createHmac } from 'node:crypto'
import type { IceServers } from '@jim/protocol'

export interface IceSettings {
  stunUrls: readonly string[]
  turnUrls: readonly string[]
  /** the TURN server's shared secret; empty: no TURN */
  turnSecret: string
  turnTtlSeconds: number
}

/**
 * The ICE servers one user may use, with a TURN credential in the "TURN REST API" scheme that
 * coturn checks with `use-auth-secret`: username = `<expiry epoch seconds>:<userId>`, password =
 * base64(HMAC-SHA1(secret, username)). The TURN server needs no call to JIM: it recomputes the
 * HMAC and refuses an expired username; the user id in it shows in coturn's logs.
 */
export function iceServersFor(userId: string, s: IceSettings, nowMs: number): IceServers {
  const iceServers: IceServers['iceServers'] = []
  if (s.stunUrls.length > 0) iceServers.push({ urls: [...s.stunUrls] })
  if (s.turnUrls.length > 0 && s.turnSecret) {
    const username = `${Math.floor(nowMs / 1000) + s.turnTtlSeconds}:${userId}`
    iceServers.push({ urls: [...s.turnUrls], username, credential: turnPassword(s.turnSecret, username) })
  }
  return { iceServers, ttlSeconds: s.turnTtlSeconds }
}

export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64')
}
