import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import webpush from 'web-push'
import { isPrivateAddress } from '../../domain/notifications/push-endpoint.js'
import type { PushSubscription } from '../../domain/notifications/notification-store.js'
import type { PushSender } from '../../domain/notifications/push-sender.js'

export interface VapidKeys {
  publicKey: string
  privateKey: string
  /** `mailto:` or `https:` contact for push services */
  subject: string
}

/** A push service that has not answered by then is treated as unreachable (retried later). */
const REQUEST_TIMEOUT_MS = 10_000

/**
 * Web Push through the `web-push` library, which encrypts (RFC 8291 aes128gcm) and signs (VAPID,
 * RFC 8292); the request itself is sent here so its DNS answers can be checked: a name that
 * resolves to a private or loopback address is refused at connect time (no DNS rebinding past
 * the check made when the subscription was stored). `allowPrivate` (tests only) lifts that and
 * allows http endpoints.
 */
export class WebPushSender implements PushSender {
  readonly #vapid: VapidKeys
  readonly #allowPrivate: boolean

  constructor(options: { vapid: VapidKeys; allowPrivate: boolean }) {
    this.#vapid = options.vapid
    this.#allowPrivate = options.allowPrivate
  }

  async send(subscription: PushSubscription, payload: string, ttlSeconds: number): Promise<number> {
    const details = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      payload,
      { vapidDetails: this.#vapid, TTL: ttlSeconds, contentEncoding: 'aes128gcm', urgency: 'high' },
    )
    const url = new URL(details.endpoint)
    const request = url.protocol === 'http:' && this.#allowPrivate ? httpRequest : httpsRequest
    if (url.protocol !== 'https:' && request === httpsRequest) return 0
    return new Promise<number>((resolve) => {
      const req = request(
        url,
        {
          method: details.method,
          headers: details.headers as Record<string, string>,
          timeout: REQUEST_TIMEOUT_MS,
          lookup: this.#allowPrivate ? undefined : publicOnlyLookup,
        },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
          res.on('error', () => resolve(res.statusCode ?? 0))
        },
      )
      req.on('timeout', () => req.destroy(new Error('push service timed out')))
      req.on('error', () => resolve(0))
      req.end(details.body ?? undefined)
    })
  }
}

/** Generates a VAPID key pair (base64url), once per installation. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys()
}

/** dns.lookup that fails for names resolving to private, loopback or link-local addresses. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...(options as LookupOptions), all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4)
    const list = addresses as LookupAddress[]
    if (list.length === 0 || list.some((a) => isPrivateAddress(a.address))) {
      const refused = Object.assign(new Error(`push endpoint ${hostname} resolves to a private address`), { code: 'EPRIVATE' })
      return callback(refused, '', 4)
    }
    if ((options as LookupOptions).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list)
    callback(null, list[0]!.address, list[0]!.family)
  })
}
