import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { PushNotifier } from '../../src/domain/notifications/push-notifier.js'
import type { NotificationStore } from '../../src/domain/notifications/notification-store.js'
import type { Message } from '../../src/domain/messages/message.js'
import type { Presence } from '../../src/domain/users/presence.js'
import type { RateLimiter } from '../../src/domain/security/rate-limiter.js'

const message = (seq: number): Message => ({
  id: `m${seq}`,
  conversationId: 'c1',
  seq,
  senderId: 'ann',
  clientMsgId: `k${seq}`,
  type: 'text',
  content: { text: 'hi' },
  createdAt: 0,
  editedAt: null,
  recalledAt: null,
  modSeq: 0,
  reactions: [],
})

/** A notifier over a store that counts what the send path asks it; `any` is what the store holds. */
function setUp() {
  const calls = { any: 0, facts: 0, candidates: 0 }
  const state = { any: false, now: 1_000_000 }
  const store = {
    anySubscriptions: async () => {
      calls.any++
      return state.any
    },
    conversationFacts: async () => {
      calls.facts++
      return { kind: 'direct', groupName: null }
    },
    pushCandidates: async () => {
      calls.candidates++
      return []
    },
  } as unknown as NotificationStore
  const notifier = new PushNotifier({
    store,
    sender: { send: async () => 201 },
    presence: { connectedAmong: async () => new Set<string>() } as unknown as Presence,
    limiter: {} as RateLimiter,
    clock: { now: () => state.now },
    logger: pino({ level: 'silent' }),
    unreadDelayMs: 0,
    perUserPerMinute: 10,
    ttlSeconds: 60,
    limitsEnabled: false,
  })
  const stored = async (...seqs: number[]) => {
    for (const seq of seqs) notifier.messageStored(message(seq))
    await notifier.idle()
  }
  return { notifier, calls, state, stored }
}

describe('Web Push on the send path when nobody subscribed', () => {
  it('should look once whether anybody subscribed, then skip every message without a query', async () => {
    const { calls, stored } = setUp()
    await stored(1, 2, 3)
    await stored(4, 5)
    expect(calls).toEqual({ any: 1, facts: 0, candidates: 0 })
  })

  it('should consider pushes at once after a subscription (here or announced by another instance)', async () => {
    const { notifier, calls, state, stored } = setUp()
    await stored(1)
    state.any = true
    notifier.subscribed('bob')
    await stored(2)
    expect(calls).toEqual({ any: 1, facts: 1, candidates: 1 })
  })

  it('should look again after 30 s: a missed announcement is repaired, and the last subscription gone turns the work off', async () => {
    const { calls, state, stored } = setUp()
    await stored(1)
    state.any = true
    state.now += 30_001
    await stored(2)
    expect(calls).toEqual({ any: 2, facts: 1, candidates: 1 })
    state.any = false
    state.now += 30_001
    await stored(3, 4)
    expect(calls).toEqual({ any: 3, facts: 1, candidates: 1 })
  })

  it('should ask the store again after the broker lost events', async () => {
    const { notifier, calls, state, stored } = setUp()
    await stored(1)
    state.any = true
    notifier.forgetSubscriptionFacts()
    await stored(2)
    expect(calls).toEqual({ any: 2, facts: 1, candidates: 1 })
  })
})
