import { randomBytes } from 'node:crypto'
import type { ClusterEvent } from '../domain/events.js'
import type { Logger } from '../shared/logger.js'
import type { RedisClient } from '../shared/redis-client.js'
import type { Broker, ClusterEventHandler } from '../domain/broker.js'
import type { EventRouter, RouteTargets } from './instance-router.js'

/** What the broker reports to /metrics (per instance). */
export interface BrokerMetrics {
  /** a publish that did not reach Redis (the event was stored; clients catch up by `resume`) */
  publishFailed(): void
  /** an envelope arrived: milliseconds from its publisher's clock at publish to ours now */
  received(lagMs: number): void
  /** the subscription was re-established (or a publisher's gap was seen) and sockets were told to `sync` */
  resynced(reason: 'reconnect' | 'probe' | 'gap'): void
}

export interface RedisBrokerOptions {
  /** command connection used to PUBLISH (may be shared with other Redis users; not closed here) */
  publisher: RedisClient
  /** a connection of its own for SUBSCRIBE (closed by `close`) */
  subscriber: RedisClient
  /** key and channel prefix (`jim:`); channels are `${prefix}cluster` and `${prefix}instance:<id>` */
  prefix: string
  /**
   * Sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7), for a Redis Cluster: each channel lives on
   * the shard of its slot, so instance channels spread over the masters. Plain PUBLISH/SUBSCRIBE
   * otherwise (a single Redis, any version).
   */
  sharded?: boolean
  logger: Logger
  /** unique per process; random by default */
  instanceId?: string
  /** how often to publish a ping to ourselves (default 5 s) */
  probeIntervalMs?: number
  /** how long a ping may take to come back before the subscription is called dead (default 3 s) */
  probeTimeoutMs?: number
  metrics?: BrokerMetrics
  /** which instances an event goes to (default: every instance, a broadcast) */
  router?: EventRouter
}

/** What travels on the channel: one JSON object per event or liveness ping. */
interface Envelope {
  v: 1
  /** publishing instance */
  i: string
  /** the publisher's own event sequence: 1, 2, 3… (a ping repeats the last); a jump means we missed some */
  n: number
  /** publish time (epoch ms, publisher's clock) for the lag histogram */
  t: number
  e?: ClusterEvent
  /** a liveness ping: the publisher's probe number */
  p?: number
  /**
   * on a broadcast ping: how many events the publisher had sent to each instance channel as of
   * its previous ping (one interval ago, so events still in flight on another shard do not count)
   */
  d?: Record<string, number>
}

/** Which of our two subscriptions an envelope came through. */
type Via = 'broadcast' | 'direct'

/** Gap signals from publishers not heard of for this long are forgotten (bounded memory). */
const FORGET_PUBLISHER_MS = 10 * 60_000
/** Several reasons to resync within this window give one `sync` to the sockets. */
const SYNC_COALESCE_MS = 100
/** The longest `publish` waits for Redis to confirm before resolving anyway. */
const PUBLISH_WAIT_MS = 250
/** At most one "publish failed" log line per this interval (with the count in between). */
const LOG_EVERY_MS = 10_000

/**
 * Cluster fan-out over Redis pub/sub with targeted routing. Every instance subscribes to two
 * channels: the broadcast channel `${prefix}cluster` and its own `${prefix}instance:<id>`. The
 * router (see instance-router.ts) names the instances holding a recipient's socket; the event is
 * published once to each of their channels, so an instance with no recipient does no work for it.
 * Cache evictions, huge conversations (the world channel) and events whose lookup failed go to the
 * broadcast channel. The receiver still routes to its own sockets (the event carries its routing:
 * user ids, or a conversation id with its membership version). Events are JSON envelopes with the
 * publisher's instance id, a sequence per channel (1, 2, 3… for the broadcast channel, and for
 * each target instance) and the publish time.
 *
 * Delivery:
 * - An instance delivers its own events in-process at once (the same handler the subscriber
 *   calls, on a microtask, like the memory broker) and drops their echo from Redis, so local
 *   sockets keep getting pushes while Redis is down. Order per publisher is kept.
 * - Sends leave in publish order (route lookups run in parallel; each event's PUBLISH commands
 *   are written once its targets and every earlier event's are known, without waiting for earlier
 *   replies: the connection keeps the order), so per publisher and channel the order is kept.
 * - `publish` never throws and never waits more than 250 ms: the event is already stored, so a
 *   failed PUBLISH (Redis down, or no answer within the command timeout, 2 s) is logged, counted
 *   (`jim_broker_publish_errors_total`) and resolved. Remote clients catch up by `resume`: every
 *   receiver sees the jump in that publisher's sequence on its next publish to that channel, or
 *   through its pings: a broadcast ping carries how many events the publisher had sent to each
 *   instance channel one ping earlier (at most 2 x `probeIntervalMs` later); it then asks its
 *   sockets to `sync`.
 * - A separate subscriber connection; when it reconnects (Redis restart, network), the
 *   `onResubscribed` handlers run once the subscription is confirmed (the gateway sends `sync`).
 * - Liveness probe: every `probeIntervalMs` the broker publishes a ping to itself on both of its
 *   channels. If one does not
 *   come back within `probeTimeoutMs` while the subscriber believes it is subscribed (a silently
 *   dead subscription: a half-open TCP connection, a proxy that stopped forwarding), the broker
 *   reports `degraded`, drops the subscriber connection and subscribes again.
 * - `health()` is `degraded` while either connection is down, the last probe failed or the last
 *   publish failed; never a reason for /readyz to fail.
 *
 * Cost: a routed event costs Redis one delivery per target instance and each target one parse;
 * instances without a recipient do nothing, so adding instances spreads the work instead of
 * multiplying it. The route lookup is one Lua call over the recipients' presence sets. See
 * docs/scaling.md.
 */
export class RedisBroker implements Broker {
  readonly instanceId: string
  readonly #o: Required<Omit<RedisBrokerOptions, 'metrics' | 'instanceId' | 'router'>> & { metrics?: BrokerMetrics }
  readonly #channel: string
  readonly #ownChannel: string
  #handler: ClusterEventHandler = () => {}
  readonly #resubscribed: Array<() => void> = []
  /** last broadcast sequence seen per publishing instance, and when */
  readonly #lastSeen = new Map<string, { n: number; at: number }>()
  /** last sequence seen per publishing instance on our own channel */
  readonly #lastDirect = new Map<string, number>()
  #seq = 0
  /** events sent so far to each instance channel, and when last */
  readonly #sentTo = new Map<string, { n: number; at: number }>()
  /** `#sentTo` counts as of the previous ping (what the next ping reports) */
  #sentSnapshot: Record<string, number> = {}
  readonly #router: EventRouter
  /** the tail of the route queue: each event's targets, resolved in publish order */
  #sending: Promise<RouteTargets> = Promise.resolve('all')
  #subscribed = false
  #everSubscribed = false
  #pendingResubscribe: 'reconnect' | 'probe' = 'reconnect'
  #subscribeWaiters: Array<() => void> = []
  #probeNo = 0
  /** echoes of the current probe still awaited (one per channel) */
  #probeAwaiting = new Set<Via>()
  #probeTimer: NodeJS.Timeout | null = null
  #probeDeadline: NodeJS.Timeout | null = null
  #probeFailed = false
  #publishFailing = false
  #failuresSinceLog = 0
  #lastFailureLog = 0
  #syncTimer: NodeJS.Timeout | null = null
  #closed = false

  constructor(options: RedisBrokerOptions) {
    this.instanceId = options.instanceId ?? `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`
    this.#o = {
      ...options,
      sharded: options.sharded ?? false,
      probeIntervalMs: options.probeIntervalMs ?? 5000,
      probeTimeoutMs: options.probeTimeoutMs ?? 3000,
    }
    this.#router = options.router ?? (async () => 'all')
    this.#channel = `${options.prefix}cluster`
    this.#ownChannel = this.#channelOf(this.instanceId)
    const sub = options.subscriber
    sub.on(options.sharded ? 'smessage' : 'message', (channel: string, data: string) => {
      if (channel === this.#channel) this.#receive(data, 'broadcast')
      else if (channel === this.#ownChannel) this.#receive(data, 'direct')
    })
    sub.on('ready', () => void this.#subscribe())
    sub.on('close', () => {
      this.#subscribed = false
    })
    if (sub.status === 'ready') void this.#subscribe()
    this.#probeTimer = setInterval(() => void this.#probe(), this.#o.probeIntervalMs)
    this.#probeTimer.unref()
  }

  async publish(event: ClusterEvent): Promise<void> {
    if (this.#closed) return
    queueMicrotask(() => this.#deliver(event))
    const targets = this.#router(event).catch((): RouteTargets => 'all')
    // publish order: an event's commands are written once its targets and every earlier event's
    // are known, in that order (the connection keeps it); earlier replies are not waited for, so
    // publishes pipeline instead of taking one Redis round trip each, one after another
    const ordered = (this.#sending = this.#sending.then(() => targets))
    const sending = ordered.then((to) => this.#dispatch(event, to))
    // a hung Redis must not hold the send path: after a short wait the outcome is handled in
    // the background (order is kept by the connection; a failure is counted and logged there)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([sending, new Promise<void>((resolve) => (timer = setTimeout(resolve, PUBLISH_WAIT_MS)))])
    clearTimeout(timer)
  }

  onEvent(handler: ClusterEventHandler): void {
    this.#handler = handler
  }

  onResubscribed(handler: () => void): void {
    this.#resubscribed.push(handler)
  }

  health(): 'ok' | 'degraded' {
    const ok = this.#subscribed && this.#o.publisher.status === 'ready' && !this.#probeFailed && !this.#publishFailing
    return ok ? 'ok' : 'degraded'
  }

  /** Resolves true once subscribed and able to publish, false after `timeoutMs` (the app then starts degraded). */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    const subscribed =
      this.#subscribed ||
      (await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs)
        timer.unref()
        this.#subscribeWaiters.push(() => {
          clearTimeout(timer)
          resolve(true)
        })
      }))
    while (subscribed && this.#o.publisher.status !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    return subscribed && this.#o.publisher.status === 'ready'
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const timer of [this.#probeTimer, this.#probeDeadline, this.#syncTimer]) if (timer) clearTimeout(timer)
    const sub = this.#o.subscriber
    sub.removeAllListeners(this.#o.sharded ? 'smessage' : 'message')
    try {
      if (sub.status === 'ready') await sub.quit()
      else sub.disconnect()
    } catch {
      sub.disconnect()
    }
  }

  async #subscribe(): Promise<void> {
    if (this.#closed) return
    try {
      const sub = this.#o.subscriber
      // sharded: one SSUBSCRIBE per channel (a command's channels must share a slot)
      if (this.#o.sharded) await Promise.all([sub.ssubscribe(this.#channel), sub.ssubscribe(this.#ownChannel)])
      else await sub.subscribe(this.#channel, this.#ownChannel)
    } catch (err) {
      // the connection dropped again; the next 'ready' retries
      this.#o.logger.warn({ event: 'broker.subscribe_failed', err: { message: (err as Error).message } }, 'broker subscribe failed')
      return
    }
    this.#subscribed = true
    this.#probeFailed = false
    for (const waiter of this.#subscribeWaiters.splice(0)) waiter()
    if (this.#everSubscribed) {
      const reason = this.#pendingResubscribe
      this.#o.logger.info(
        { event: 'broker.resubscribed', reason, instanceId: this.instanceId },
        'broker subscribed again; sockets will sync',
      )
      this.#scheduleSync(reason)
    }
    this.#everSubscribed = true
    this.#pendingResubscribe = 'reconnect'
    // confirm the new subscription end to end right away (a ping sent before it may be lost)
    if (this.#probeDeadline) clearTimeout(this.#probeDeadline)
    this.#probeDeadline = null
    void this.#probe()
  }

  #receive(raw: string, via: Via): void {
    let env: Envelope
    try {
      env = JSON.parse(raw) as Envelope
    } catch {
      return
    }
    if (env?.v !== 1 || typeof env.i !== 'string' || typeof env.n !== 'number') return
    const now = Date.now()
    this.#o.metrics?.received(Math.max(0, now - env.t))
    if (env.i === this.instanceId) {
      // our own events were delivered in-process; our pings prove the subscription works
      if (env.p !== undefined && env.p === this.#probeNo) this.#probeEchoed(via)
      return
    }
    if (via === 'direct') return this.#receiveDirect(env)
    const last = this.#lastSeen.get(env.i)
    // events are numbered 1, 2, 3…; a ping repeats its publisher's last event number
    const expected = env.p === undefined ? (last?.n ?? 0) + 1 : (last?.n ?? 0)
    if (last && env.n > expected) {
      this.#o.logger.warn(
        { event: 'broker.gap', publisher: env.i, missed: env.n - expected },
        'missed events from another instance; sockets will sync',
      )
      this.#scheduleSync('gap')
    }
    this.#lastSeen.set(env.i, { n: Math.max(env.n, last?.n ?? 0), at: now })
    // what it had sent to our channel one ping ago must have arrived by now
    const sentToUs = env.d?.[this.instanceId] ?? 0
    if (sentToUs > (this.#lastDirect.get(env.i) ?? 0)) {
      this.#o.logger.warn(
        { event: 'broker.gap', publisher: env.i, missed: sentToUs - (this.#lastDirect.get(env.i) ?? 0), channel: 'instance' },
        'missed routed events from another instance; sockets will sync',
      )
      this.#lastDirect.set(env.i, sentToUs)
      this.#scheduleSync('gap')
    }
    if (env.e) this.#deliver(env.e)
  }

  /** An event routed to us: its publisher numbers what it sends to our channel 1, 2, 3… */
  #receiveDirect(env: Envelope): void {
    if (!env.e) return
    const last = this.#lastDirect.get(env.i) ?? 0
    if (env.n > last + 1) {
      this.#o.logger.warn(
        { event: 'broker.gap', publisher: env.i, missed: env.n - last - 1, channel: 'instance' },
        'missed routed events from another instance; sockets will sync',
      )
      this.#scheduleSync('gap')
    }
    if (env.n > last) this.#lastDirect.set(env.i, env.n)
    this.#deliver(env.e)
  }

  #deliver(event: ClusterEvent): void {
    if (this.#closed) return
    try {
      this.#handler(event)
    } catch (err) {
      this.#o.logger.error({ err, kind: event.kind }, 'cluster event handler failed')
    }
  }

  /** Numbers and sends one event to its targets (runs in publish order). */
  async #dispatch(event: ClusterEvent, to: RouteTargets): Promise<boolean> {
    const t = Date.now()
    if (to === 'all') return this.#send({ v: 1, i: this.instanceId, n: ++this.#seq, t, e: event })
    const sends: Array<Promise<boolean>> = []
    for (const target of new Set(to)) {
      if (target === this.instanceId) continue // delivered in-process already
      const sent = this.#sentTo.get(target) ?? { n: 0, at: 0 }
      sent.n++
      sent.at = t
      this.#sentTo.set(target, sent)
      sends.push(this.#send({ v: 1, i: this.instanceId, n: sent.n, t, e: event }, this.#channelOf(target)))
    }
    return (await Promise.all(sends)).every(Boolean)
  }

  #channelOf(instanceId: string): string {
    return `${this.#o.prefix}instance:${instanceId}`
  }

  async #send(env: Envelope, channel = this.#channel): Promise<boolean> {
    // a ping while the connection is (re)connecting: no event lost, and health() sees the status
    if (env.p !== undefined && this.#o.publisher.status !== 'ready') return false
    try {
      const data = JSON.stringify(env)
      if (this.#o.sharded) await this.#o.publisher.spublish(channel, data)
      else await this.#o.publisher.publish(channel, data)
      if (this.#publishFailing) this.#o.logger.info({ event: 'broker.publish_recovered' }, 'broker publishes again')
      this.#publishFailing = false
      return true
    } catch (err) {
      this.#publishFailing = true
      this.#o.metrics?.publishFailed()
      this.#failuresSinceLog++
      const now = Date.now()
      if (now - this.#lastFailureLog >= LOG_EVERY_MS) {
        this.#o.logger.warn(
          { event: 'broker.publish_failed', failures: this.#failuresSinceLog, err: { message: (err as Error).message } },
          'broker publish failed; the change is stored and clients catch up by resume',
        )
        this.#lastFailureLog = now
        this.#failuresSinceLog = 0
      }
      return false
    }
  }

  async #probe(): Promise<void> {
    if (this.#closed || this.#probeDeadline) return
    this.#forgetQuietPublishers()
    // while connecting there is nothing to measure: health() already shows the connection state
    if (this.#o.publisher.status !== 'ready') return
    const probe = ++this.#probeNo
    const armedAt = Date.now()
    // armed before sending: the echo may come back before PUBLISH answers, and a PUBLISH that hangs is a failure too
    const deadline = setTimeout(() => {
      // timers run before pending socket reads: let I/O that already arrived be read first, and
      // do not blame Redis when it was this process that was too busy to look (event loop blocked)
      setImmediate(() => {
        if (probe !== this.#probeNo || this.#probeDeadline !== deadline) return
        if (Date.now() - armedAt > this.#o.probeTimeoutMs * 2) {
          this.#probeDeadline = null
          return
        }
        this.#probeTimedOut()
      })
    }, this.#o.probeTimeoutMs)
    deadline.unref()
    this.#probeDeadline = deadline
    this.#probeAwaiting = new Set<Via>(['broadcast', 'direct'])
    // a ping carries our last event number (and what we had sent to each instance channel one ping
    // ago): receivers notice our failed publishes within one or two intervals
    const now = Date.now()
    const reported = this.#sentSnapshot
    this.#sentSnapshot = {}
    // counters are kept (a restarted count would hide gaps); only recent targets are reported
    for (const [target, sent] of this.#sentTo) if (sent.at >= now - FORGET_PUBLISHER_MS) this.#sentSnapshot[target] = sent.n
    const ping: Envelope = { v: 1, i: this.instanceId, n: this.#seq, t: now, p: probe }
    const [sent] = await Promise.all([
      this.#send(Object.keys(reported).length > 0 ? { ...ping, d: reported } : ping),
      this.#send(ping, this.#ownChannel),
    ])
    if (!sent && this.#probeDeadline === deadline) {
      // refused outright (connection lost): the subscriber reconnects by itself
      clearTimeout(deadline)
      this.#probeDeadline = null
    }
  }

  #probeEchoed(via: Via): void {
    this.#probeAwaiting.delete(via)
    if (this.#probeAwaiting.size === 0) this.#probeReturned()
  }

  #probeReturned(): void {
    if (this.#probeDeadline) clearTimeout(this.#probeDeadline)
    this.#probeDeadline = null
    if (this.#probeFailed) this.#o.logger.info({ event: 'broker.probe_recovered' }, 'broker liveness probe answered again')
    this.#probeFailed = false
  }

  #probeTimedOut(): void {
    this.#probeDeadline = null
    this.#probeNo++ // a late echo of the old ping no longer counts
    if (this.#closed) return
    this.#probeFailed = true
    const sub = this.#o.subscriber
    this.#o.logger.warn(
      { event: 'broker.probe_failed', timeoutMs: this.#o.probeTimeoutMs, subscriber: sub.status },
      'broker ping did not come back; resubscribing',
    )
    if (sub.status === 'ready') {
      // the connection looks fine but delivers nothing: drop it, ioredis reconnects, 'ready' subscribes
      this.#subscribed = false
      this.#pendingResubscribe = 'probe'
      sub.disconnect(true)
    }
  }

  #scheduleSync(reason: 'reconnect' | 'probe' | 'gap'): void {
    if (this.#syncTimer) return
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = null
      if (this.#closed) return
      this.#o.metrics?.resynced(reason)
      for (const handler of this.#resubscribed) {
        try {
          handler()
        } catch (err) {
          this.#o.logger.error({ err }, 'resubscribe handler failed')
        }
      }
    }, SYNC_COALESCE_MS)
    this.#syncTimer.unref()
  }

  #forgetQuietPublishers(): void {
    const cutoff = Date.now() - FORGET_PUBLISHER_MS
    for (const [id, seen] of this.#lastSeen) {
      if (seen.at >= cutoff) continue
      this.#lastSeen.delete(id)
      this.#lastDirect.delete(id)
    }
  }
}
