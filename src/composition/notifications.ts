import type { Config } from '../config/config.js'
import type { Broker } from '../domain/broker.js'
import type { DomainEvents } from '../domain/domain-events.js'
import type { Mailer } from '../domain/security/mailer.js'
import type { RateLimiter } from '../domain/security/rate-limiter.js'
import type { Presence } from '../domain/users/presence.js'
import { EmailDigest } from '../domain/notifications/email-digest.js'
import { NotificationService } from '../domain/notifications/notification-service.js'
import { PushNotifier } from '../domain/notifications/push-notifier.js'
import type { PushSender } from '../domain/notifications/push-sender.js'
import { resolveVapidKeys } from '../adapters/push/vapid-keys.js'
import { WebPushSender } from '../adapters/push/web-push-sender.js'
import type { SqlDatabase } from '../store/sql/database.js'
import { SqlNotificationStore } from '../store/sql/sql-notification-store.js'
import type { Clock } from '../shared/clock.js'
import type { Logger } from '../shared/logger.js'

/** How often each instance looks for users due an e-mail digest. */
const DIGEST_EVERY_MS = 60_000

export interface Notifications {
  /** Web Push is on (push.enabled): messages, reads and revocations feed the notifier */
  readonly pushEnabled: boolean
  readonly notifier: PushNotifier
  readonly service: NotificationService
  readonly digest: EmailDigest
  close(): Promise<void>
}

/**
 * Builds Web Push and the e-mail digest (issue 20) for the composition root: VAPID keys from
 * config or the database, the web-push sender, the notifier that decides who hears what, and
 * the digest's timer.
 */
export async function createNotifications(d: {
  config: Config
  database: SqlDatabase
  broker: Broker
  events: DomainEvents
  presence: Presence
  limiter: RateLimiter
  mailer: Mailer
  clock: Clock
  logger: Logger
}): Promise<Notifications> {
  const { config, clock, logger } = d
  const store = new SqlNotificationStore(d.database.db, d.database.caps)
  const vapid = config.push.enabled ? await resolveVapidKeys(config, store, clock.now()) : null
  const sender: PushSender = vapid
    ? new WebPushSender({ vapid, allowPrivate: config.push.allowInsecureEndpoints })
    : { send: async () => 0 }
  const notifier = new PushNotifier({
    store,
    sender,
    presence: d.presence,
    limiter: d.limiter,
    clock,
    logger,
    unreadDelayMs: config.push.unreadDelaySeconds * 1000,
    perUserPerMinute: config.push.perUserPerMinute,
    ttlSeconds: config.push.ttlSeconds,
    limitsEnabled: config.rateLimit.enabled,
  })
  if (vapid) d.events.on('friend.requested', (r) => notifier.friendRequested(r))
  const service = new NotificationService({
    store,
    notifier,
    broker: d.broker,
    clock,
    logger,
    vapidPublicKey: vapid?.publicKey ?? null,
    allowInsecureEndpoints: config.push.allowInsecureEndpoints,
    maxSubscriptionsPerUser: config.push.maxSubscriptionsPerUser,
  })
  const digest = new EmailDigest({
    store,
    mailer: d.mailer,
    clock,
    logger,
    secret: config.secret,
    publicUrl: config.publicUrl,
    delayMs: config.email.digestDelayMinutes * 60_000,
    intervalMs: config.email.digestIntervalMinutes * 60_000,
  })
  digest.start(DIGEST_EVERY_MS)
  return {
    pushEnabled: vapid !== null,
    notifier,
    service,
    digest,
    close: async () => {
      await digest.close()
      await notifier.close()
    },
  }
}
