import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { PushNotifier } from '../../src/domain/notifications/push-notifier.js'
import { DEFAULT_SETTINGS } from '../../src/domain/notifications/notification-settings.js'
import type { NotificationStore, PushSubscription } from '../../src/domain/notifications/notification-store.js'
import type { Presence } from '../../src/domain/users/presence.js'
import type { RateLimiter } from '../../src/domain/security/rate-limiter.js'

const device: PushSubscription = {
  id: 'sub1',
  userId: 'bob',
  sessionId: 's1',
  endpoint: 'https://push.example/1',
  p256dh: 'k',
  auth: 'a',
  createdAt: 0,
} as PushSubscription

/** A notifier whose push service answers `statuses` in turn (then 201); retries wait 1 ms. */
function setUp(statuses: number[]) {
  const attempts: number[] = []
  const deleted: string[] = []
  const store = {
    settings: async () => ({ ...DEFAULT_SETTINGS }),
    displayName: async () => 'Ann',
    liveSubscriptions: async () => [device],
    deleteSubscriptionById: async (id: string) => void deleted.push(id),
  } as unknown as NotificationStore
  const notifier = new PushNotifier({
    store,
    sender: {
      send: async () => {
        const status = statuses.shift() ?? 201
        attempts.push(status)
        return status
      },
    },
    presence: { connectedAmong: async () => new Set<string>() } as unknown as Presence,
    limiter: {} as RateLimiter,
    clock: { now: () => Date.now() },
    logger: pino({ level: 'silent' }),
    unreadDelayMs: 0,
    perUserPerMinute: 10,
    ttlSeconds: 60,
    limitsEnabled: false,
    retryDelaysMs: [1, 1, 1],
  })
  const push = async () => {
    notifier.friendRequested({ requestId: 'r1', fromUserId: 'ann', toUserId: 'bob' })
    await notifier.idle()
  }
  return { push, attempts, deleted }
}

describe('Web Push delivery retries', () => {
  it('should retry a push service that is busy, failing or unreachable, until it accepts', async () => {
    const { push, attempts } = setUp([503, 0, 429])
    await push()
    expect(attempts).toEqual([503, 0, 429, 201])
  })

  it('should give up after the last backoff step', async () => {
    const { push, attempts } = setUp([500, 500, 500, 500, 500])
    await push()
    expect(attempts).toEqual([500, 500, 500, 500])
  })

  it('should not retry a refused push, and delete a subscription that is gone', async () => {
    const refused = setUp([400])
    await refused.push()
    expect(refused.attempts).toEqual([400])
    const gone = setUp([410])
    await gone.push()
    expect(gone.attempts).toEqual([410])
    expect(gone.deleted).toEqual(['sub1'])
  })
})
