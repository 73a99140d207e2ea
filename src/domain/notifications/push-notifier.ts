import type { Logger } from 'pino'
import type { Clock } from '../../shared/clock.js'
import type { Message } from '../messages/message.js'
import type { Presence } from '../users/presence.js'
import type { RateLimiter } from '../security/rate-limiter.js'
import { inQuietHours, type NotificationSettings } from './notification-settings.js'
import type { NotificationStore, PushCandidate, PushSubscription } from './notification-store.js'
import type { CallRinging } from '../calls/call-service.js'
import { callPayload, clearPayload, friendRequestPayload, messagePayload, type PushPayload } from './push-payload.js'
import type { PushSender } from './push-sender.js'

export interface PushNotifierDeps {
  store: NotificationStore
  sender: PushSender
  presence: Presence
  limiter: RateLimiter
  clock: Clock
  logger: Logger
  /** a recipient with an open socket gets the push only if still unread after this long */
  unreadDelayMs: number
  perUserPerMinute: number
  ttlSeconds: number
  limitsEnabled: boolean
  /** waits between attempts when a push service fails (429, 5xx, unreachable); one attempt more than entries */
  retryDelaysMs?: readonly number[]
}

/** At most this many notification jobs wait; more are dropped (logged): pushes are best effort. */
const MAX_PENDING = 10_000
/**
 * How long "this user has a push subscription" is believed on the read path, and "this
 * installation has any subscription at all" on the send path. A subscription added anywhere turns
 * the latter on at once on every instance (`subscribed`, through the broker); the recheck after
 * this long turns it off once the last one is gone, and repairs an instance that missed the event.
 */
const HAS_SUBSCRIPTION_TTL_MS = 30_000
const HAS_SUBSCRIPTION_MAX = 50_000

/**
 * Decides who is told about what while they are not looking, and sends the Web Push. Runs on
 * the instance where the message was stored (or the request made, or the read marked), so in a
 * cluster exactly one instance sends each push. Every job runs after the request answered: a
 * push service never slows a send.
 *
 * What notifies: direct messages and group messages in unmuted chats, mentions of me (also in
 * muted chats and quiet hours when the user's `mentionAlertMuted`), friend requests, incoming calls. Never the world
 * channel, never my own messages, never a chat I left or already read.
 */
export class PushNotifier {
  readonly #d: PushNotifierDeps
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #running = new Set<Promise<void>>()
  readonly #hasSubscription = new Map<string, { has: boolean; until: number }>()
  /** whether any user has a subscription (null: ask the store); false skips every message and call job */
  #anySubscription: { has: boolean; until: number } | null = null
  #anyLookup: Promise<boolean> | null = null
  #closed = false

  constructor(deps: PushNotifierDeps) {
    this.#d = deps
  }

  /** A message was stored (called once, on the storing instance). */
  messageStored(message: Message): void {
    if (message.type === 'system' || message.senderId === null) return
    // an installation where nobody turned push on pays nothing per message (no job, no query)
    if (this.#knownNone()) return
    this.#run('message', async () => {
      if (await this.#anySubscriptions()) await this.#onMessage(message)
    })
  }

  /** A friend request was made to `toUserId`. */
  friendRequested(r: { requestId: string; fromUserId: string; toUserId: string }): void {
    this.#run('friend_request', async () => {
      const [settings, connected] = await Promise.all([this.#d.store.settings(r.toUserId), this.#connected(r.toUserId)])
      // an open app shows the request itself
      if (connected || inQuietHours(settings, this.#d.clock.now())) return
      const name = await this.#d.store.displayName(r.fromUserId)
      await this.#deliver(r.toUserId, friendRequestPayload(r.fromUserId, name))
    })
  }

  /**
   * A call started ringing: members with no open socket (nothing rings for them) hear of it, unless
   * they muted the chat or are in quiet hours. A socket that is open rings by itself.
   */
  callRinging(call: CallRinging): void {
    if (this.#knownNone()) return
    this.#run('call', async () => {
      if (!(await this.#anySubscriptions())) return
      const { store } = this.#d
      const candidates = (await store.pushCandidates(call.conversationId, call.callerId)).filter((c) => !c.muted)
      if (candidates.length === 0) return
      const connected = await this.#d.presence.connectedAmong(candidates.map((c) => c.userId))
      const caller = await store.displayName(call.callerId)
      const now = this.#d.clock.now()
      for (const c of candidates) {
        if (connected.has(c.userId) || inQuietHours(await store.settings(c.userId), now)) continue
        await this.#deliver(c.userId, callPayload(call, caller))
      }
    })
  }

  /** The user read up to `readSeq` (on any device): close that chat's notification on the others. */
  readMoved(userId: string, conversationId: string, readSeq: number): void {
    this.#run('clear', async () => {
      if (!(await this.#hasSubscriptions(userId))) return
      if (!(await this.#d.store.clearShown(userId, conversationId, readSeq))) return
      await this.#deliver(userId, clearPayload(conversationId), { limited: false })
    })
  }

  /** Sessions ended (logout, revocation): their devices get nothing more. */
  sessionsRevoked(userId: string, sessionIds: readonly string[] | 'all'): void {
    this.#hasSubscription.delete(userId)
    this.#run('revoked', () =>
      sessionIds === 'all' ? this.#d.store.deleteSubscriptionsOfUser(userId) : this.#d.store.deleteSubscriptionsOfSessions(sessionIds),
    )
  }

  /**
   * A subscription was added (on this instance or, through the broker, on another): the read path
   * and the send path must see it at once.
   */
  subscribed(userId: string): void {
    this.#hasSubscription.delete(userId)
    this.#anySubscription = { has: true, until: this.#d.clock.now() + HAS_SUBSCRIPTION_TTL_MS }
  }

  /** Events may have been missed (the broker lost its subscription): ask the store again. */
  forgetSubscriptionFacts(): void {
    this.#hasSubscription.clear()
    this.#anySubscription = null
  }

  /** Resolves once no job runs and none waits on a timer (tests: every decision was made). */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#timers.size > 0) {
      if (this.#running.size > 0) await Promise.allSettled([...this.#running])
      else await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Waits for running jobs (delayed ones are dropped). */
  async close(): Promise<void> {
    this.#closed = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }

  async #onMessage(message: Message): Promise<void> {
    const { store } = this.#d
    const facts = await store.conversationFacts(message.conversationId)
    if (!facts || (facts.kind !== 'direct' && facts.kind !== 'group')) return
    const candidates = await store.pushCandidates(message.conversationId, message.senderId)
    if (candidates.length === 0) return
    const connected = await this.#d.presence.connectedAmong(candidates.map((c) => c.userId))
    const sender = await store.displayName(message.senderId!)
    const now = this.#d.clock.now()
    for (const c of candidates) {
      const settings = await store.settings(c.userId)
      if (!wanted(c, settings, message, facts.kind, now)) continue
      const payload = messagePayload({ message, kind: facts.kind, groupName: facts.groupName, sender, previews: settings.previews })
      const send = () => this.#deliver(c.userId, payload, { conversationId: message.conversationId, seq: message.seq })
      if (!connected.has(c.userId)) await send()
      else this.#later(this.#d.unreadDelayMs, () => this.#ifStillUnread(c.userId, message, send))
    }
  }

  /** After the delay: only if the open sockets did not read it and the user may still see the chat. */
  async #ifStillUnread(userId: string, message: Message, send: () => Promise<void>): Promise<void> {
    const readSeq = await this.#d.store.memberReadSeq(message.conversationId, userId)
    if (readSeq === null || readSeq >= message.seq) return
    await send()
  }

  async #deliver(
    userId: string,
    payload: PushPayload,
    opts: { conversationId?: string; seq?: number; limited?: boolean } = {},
  ): Promise<void> {
    const { store, clock, logger } = this.#d
    if (opts.limited !== false && this.#d.limitsEnabled) {
      const state = await this.#d.limiter.hit(`push:user:${userId}`, { limit: this.#d.perUserPerMinute, windowMs: 60_000 })
      if (!state.allowed) {
        logger.info({ event: 'push.rate_limited', userId }, 'push dropped: the user reached the push rate limit')
        return
      }
    }
    const subscriptions = await store.liveSubscriptions(userId, clock.now())
    if (subscriptions.length === 0) return
    const body = JSON.stringify(payload)
    const results = await Promise.all(subscriptions.map((s) => this.#sendWithRetry(s, body)))
    const delivered = results.filter(Boolean).length
    logger.info(
      { event: 'push.sent', userId, kind: payload.kind, conversationId: opts.conversationId, devices: subscriptions.length, delivered },
      'push sent',
    )
    if (delivered > 0 && opts.conversationId && opts.seq !== undefined) await store.markShown(userId, opts.conversationId, opts.seq)
  }

  /** One device: retried with backoff on 429, 5xx and network failures; a gone endpoint (404/410) is deleted. */
  async #sendWithRetry(s: PushSubscription, body: string): Promise<boolean> {
    const delays = this.#d.retryDelaysMs ?? [2_000, 10_000, 60_000]
    for (let attempt = 0; ; attempt++) {
      const status = await this.#d.sender.send(s, body, this.#d.ttlSeconds)
      if (status >= 200 && status < 300) return true
      if (status === 404 || status === 410) {
        await this.#d.store.deleteSubscriptionById(s.id)
        this.#hasSubscription.delete(s.userId)
        this.#d.logger.info(
          { event: 'push.subscription_gone', userId: s.userId, subscriptionId: s.id, status },
          'push subscription expired; deleted',
        )
        return false
      }
      const retriable = status === 0 || status === 429 || status >= 500
      if (!retriable || attempt >= delays.length || this.#closed) {
        this.#d.logger.warn(
          { event: 'push.failed', userId: s.userId, subscriptionId: s.id, status, attempts: attempt + 1 },
          'push not delivered',
        )
        return false
      }
      await new Promise<void>((resolve) =>
        this.#later(
          delays[attempt]!,
          async () => resolve(),
          () => resolve(),
        ),
      )
    }
  }

  #knownNone(): boolean {
    const any = this.#anySubscription
    return any !== null && !any.has && any.until > this.#d.clock.now()
  }

  /** Cached per instance; concurrent jobs share one lookup. */
  async #anySubscriptions(): Promise<boolean> {
    const any = this.#anySubscription
    if (any && any.until > this.#d.clock.now()) return any.has
    this.#anyLookup ??= this.#d.store.anySubscriptions().finally(() => (this.#anyLookup = null))
    const has = await this.#anyLookup
    // a `subscribed` that arrived during the lookup wins over its (older) answer
    const now = this.#d.clock.now()
    if (!this.#anySubscription?.has || this.#anySubscription.until <= now)
      this.#anySubscription = { has, until: now + HAS_SUBSCRIPTION_TTL_MS }
    return this.#anySubscription.has
  }

  async #hasSubscriptions(userId: string): Promise<boolean> {
    const now = this.#d.clock.now()
    const cached = this.#hasSubscription.get(userId)
    if (cached && cached.until > now) return cached.has
    const has = await this.#d.store.hasSubscriptions(userId)
    this.#hasSubscription.delete(userId)
    this.#hasSubscription.set(userId, { has, until: now + HAS_SUBSCRIPTION_TTL_MS })
    if (this.#hasSubscription.size > HAS_SUBSCRIPTION_MAX) this.#hasSubscription.delete(this.#hasSubscription.keys().next().value!)
    return has
  }

  async #connected(userId: string): Promise<boolean> {
    return (await this.#d.presence.connectedAmong([userId])).has(userId)
  }

  /** Runs `fn` after `ms` unless closed first (then `onDropped`). */
  #later(ms: number, fn: () => Promise<void>, onDropped?: () => void): void {
    if (this.#closed) return onDropped?.()
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      this.#run('delayed', fn)
    }, ms)
    timer.unref()
    this.#timers.add(timer)
  }

  #run(what: string, fn: () => Promise<void>): void {
    if (this.#closed) return
    if (this.#running.size >= MAX_PENDING) {
      this.#d.logger.warn({ event: 'push.dropped', what }, 'push job dropped: too many pending')
      return
    }
    const job = fn()
      .catch((err: unknown) => this.#d.logger.error({ event: 'push.job_failed', what, err }, 'push job failed'))
      .finally(() => this.#running.delete(job))
    this.#running.add(job)
  }
}

/** The rules of what notifies one member about one message. */
function wanted(c: PushCandidate, s: NotificationSettings, m: Message, kind: string, now: number): boolean {
  if (c.readSeq >= m.seq) return false
  const mentions = Array.isArray(m.content.mentions) ? (m.content.mentions as unknown[]) : []
  const mentioned = mentions.includes(c.userId) || (kind === 'group' && mentions.includes('all'))
  const breaksThrough = mentioned && c.mentionAlertMuted
  if (c.muted && !breaksThrough) return false
  if (inQuietHours(s, now) && !breaksThrough) return false
  return true
}
