import type { Logger } from 'pino'
import type { Broker } from '../broker.js'
import type { Clock } from '../../shared/clock.js'
import { AppError } from '../errors.js'
import { newId } from '../../shared/ids.js'
import { applySettingsPatch, type NotificationSettings } from './notification-settings.js'
import type { NotificationStore } from './notification-store.js'
import { validateEndpoint } from './push-endpoint.js'
import type { PushNotifier } from './push-notifier.js'

export interface NotificationServiceDeps {
  store: NotificationStore
  notifier: PushNotifier
  /** tells the other instances' notifiers of a new subscription */
  broker: Broker
  clock: Clock
  logger: Logger
  /** null: Web Push is switched off */
  vapidPublicKey: string | null
  allowInsecureEndpoints: boolean
  maxSubscriptionsPerUser: number
}

/** A P-256 public key: 65 bytes uncompressed, base64url. The auth secret: 16 bytes. */
const P256DH = /^[A-Za-z0-9_-]{86,88}={0,2}$/
const AUTH = /^[A-Za-z0-9_-]{22,24}={0,2}$/

/** The user's side of notifications: devices registered for push, and what they want to hear about. */
export class NotificationService {
  readonly #d: NotificationServiceDeps

  constructor(deps: NotificationServiceDeps) {
    this.#d = deps
  }

  pushConfig(): { enabled: boolean; vapidPublicKey: string | null } {
    return { enabled: this.#d.vapidPublicKey !== null, vapidPublicKey: this.#d.vapidPublicKey }
  }

  /** Registers this session's browser for push (the same endpoint again replaces its row). */
  async subscribe(
    userId: string,
    sessionId: string,
    input: { endpoint: string; keys: { p256dh: string; auth: string } },
  ): Promise<{ id: string }> {
    this.#enabled()
    validateEndpoint(input.endpoint, this.#d.allowInsecureEndpoints)
    if (!P256DH.test(input.keys.p256dh) || Buffer.from(input.keys.p256dh, 'base64url').length !== 65)
      throw new AppError('request.invalid', 'keys.p256dh must be the 65-byte P-256 public key, base64url.', {
        details: [{ field: 'keys.p256dh', problem: 'invalid' }],
      })
    if (!AUTH.test(input.keys.auth) || Buffer.from(input.keys.auth, 'base64url').length !== 16)
      throw new AppError('request.invalid', 'keys.auth must be the 16-byte auth secret, base64url.', {
        details: [{ field: 'keys.auth', problem: 'invalid' }],
      })
    const id = newId()
    await this.#d.store.saveSubscription(
      { id, userId, sessionId, endpoint: input.endpoint, p256dh: input.keys.p256dh, auth: input.keys.auth, createdAt: this.#d.clock.now() },
      this.#d.maxSubscriptionsPerUser,
    )
    this.#d.notifier.subscribed(userId)
    // the other instances skip push work while they believe nobody subscribed: tell them now
    // (should the event be lost, they look again within 30 s: PushNotifier)
    await this.#d.broker.publish({ kind: 'push.subscribed', userId })
    // the endpoint is a capability URL: its host only
    this.#d.logger.info(
      { event: 'push.subscribed', userId, sessionId, subscriptionId: id, host: new URL(input.endpoint).host },
      'push subscription added',
    )
    return { id }
  }

  async unsubscribe(userId: string, id: string): Promise<void> {
    this.#enabled()
    if (!(await this.#d.store.deleteSubscription(userId, id))) throw new AppError('push.subscription_not_found')
    this.#d.logger.info({ event: 'push.unsubscribed', userId, subscriptionId: id }, 'push subscription removed')
  }

  settings(userId: string): Promise<NotificationSettings> {
    return this.#d.store.settings(userId)
  }

  async updateSettings(userId: string, patch: Partial<NotificationSettings>): Promise<NotificationSettings> {
    const next = applySettingsPatch(await this.#d.store.settings(userId), patch)
    await this.#d.store.saveSettings(userId, next, this.#d.clock.now())
    this.#d.logger.info({ event: 'notifications.settings_changed', userId }, 'notification settings changed')
    return next
  }

  #enabled(): void {
    if (this.#d.vapidPublicKey === null) throw new AppError('push.disabled')
  }
}
