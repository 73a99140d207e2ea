import type { Config } from '../../config/config.js'
import type { NotificationStore } from '../../domain/notifications/notification-store.js'
import { generateVapidKeys, type VapidKeys } from './web-push-sender.js'

const SETTING_KEY = 'push.vapid'

/**
 * The installation's VAPID keys: configured (both JIM_PUSH_VAPID_* keys), or generated once and
 * kept in the database, where the first instance to start stores them and every other reads the
 * same (insert-or-ignore, then read). Browsers' subscriptions are bound to the public key.
 */
export async function resolveVapidKeys(config: Config, store: NotificationStore, now: number): Promise<VapidKeys> {
  const { vapidPublicKey, vapidPrivateKey } = config.push
  const subject = config.push.subject || defaultSubject(config)
  if (vapidPublicKey || vapidPrivateKey) {
    if (!vapidPublicKey || !vapidPrivateKey)
      throw new Error('JIM_PUSH_VAPID_PUBLIC_KEY and JIM_PUSH_VAPID_PRIVATE_KEY: set both VAPID keys, or neither (then JIM generates them)')
    return { publicKey: vapidPublicKey, privateKey: vapidPrivateKey, subject }
  }
  const stored = JSON.parse(await store.settingOnce(SETTING_KEY, JSON.stringify(generateVapidKeys()), now)) as {
    publicKey: string
    privateKey: string
  }
  return { publicKey: stored.publicKey, privateKey: stored.privateKey, subject }
}

/** Push services want a contact: the public URL when it is https, else the SMTP sender's address. */
function defaultSubject(config: Config): string {
  if (config.publicUrl.startsWith('https://')) return config.publicUrl
  const address = /<([^>]+)>/.exec(config.smtp.from)?.[1] ?? config.smtp.from
  return `mailto:${address.trim() || 'no-reply@localhost'}`
}
