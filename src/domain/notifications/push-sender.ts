import type { PushSubscription } from './notification-store.js'

/**
 * Delivers one encrypted push (RFC 8030 + RFC 8291 aes128gcm, VAPID-signed) to a subscription's
 * push service. Resolves with the push service's HTTP status, or 0 when it could not be reached.
 */
export interface PushSender {
  send(subscription: PushSubscription, payload: string, ttlSeconds: number): Promise<number>
}
