import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { ClusterEvent } from '../domain/events.js'
import type { Logger } from '../shared/logger.js'
import type { Broker, ClusterEventHandler } from '../domain/broker.js'

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
  publisher: Redis
  /** a connection of its own for SUBSCRIBE (closed by `close`) */
  subscriber: Redis
  /** key and channel prefix (`jim:`); the channel is `${prefix}cluster` */
  prefix: string
  logger: Logger
  /** unique per process; random by default */
  instanceId?: string
  /** how often to publish a ping to ourselves (default 5 s) */
  probeIntervalMs?: number
  /** how long a ping may take to come back before the subscription is called dead (default 3 s) */
  probeTimeoutMs?: number
  metrics?: BrokerMetrics
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
}

/** Gap signals from publishers not heard of for this long are forgotten (bounded memory). */
const FORGET_PUBLISHER_MS = 10 * 60_000
/** Several reasons to resync within this window give one `sync` to the sockets. */
const SYNC_COALESCE_MS = 100
/** The longest `publish` waits for Redis to confirm before resolving anyway. */
const PUBLISH_WAIT_MS = 250
/** At most one "publish failed" log line per this interval (with the count in between). */
const LOG_EVERY_MS = 10_000

/**
 * Cluster fan-out over Redis pub/sub: every event goes to ONE channel, `${prefix}cluster`, and
 * every instance receives every event and routes it to its own sockets (the event carries its
 * routing: user ids, or a conversation id with its membership version). Events are JSON
 * envelopes with the publisher's instance id, its own publish sequence and publish time.
 *
 * Delivery:
 * - An instance delivers its own events in-process at once (the same handler the subscriber
 *   calls, on a microtask, like the memory broker) and drops their echo from Redis, so local
 *   sockets keep getting pushes while Redis is down. Order per publisher is kept.
 * - `publish` never throws and never waits more than 250 ms: the event is already stored, so a
 *   failed PUBLISH (Redis down, or no answer within the command timeout, 2 s) is logged, counted
 *   (`jim_broker_publish_errors_total`) and resolved. Remote clients catch up by `resume`: every receiver sees the jump in that
 *   publisher's sequence on its next publish or ping (at most `probeIntervalMs` later) and
 *   asks its sockets to `sync`.
 * - A separate subscriber connection; when it reconnects (Redis restart, network), the
 *   `onResubscribed` handlers run once the subscription is confirmed (the gateway sends `sync`).
 * - Liveness probe: every `probeIntervalMs` the broker publishes a ping to itself. If it does not
 *   come back within `probeTimeoutMs` while the subscriber believes it is subscribed (a silently
 *   dead subscription: a half-open TCP connection, a proxy that stopped forwarding), the broker
 *   reports `degraded`, drops the subscriber connection and subscribes again.
 * - `health()` is `degraded` while either connection is down, the last probe failed or the last
 *   publish failed; never a reason for /readyz to fail.
 *
 * Limit of the single channel: every instance receives and parses every event, so the work per
 * instance grows with the whole cluster's event rate, and the total with instances x events/s
 * (Redis sends each event N times). Ten instances at 5k events/s is 50k deliveries/s out of one
 * Redis thread. Past that, shard: publish conversation events on `${prefix}cluster:<hash(conversationId) % S>`
 * and user events on `${prefix}user:<hash(userId) % S>`, and let each instance subscribe only to
 * the shards of the conversations and users it has sockets for (Redis 7 sharded pub/sub, SSUBSCRIBE,
 * spreads shards over a Redis Cluster). The envelope and the gateway do not change. See docs/scaling.md.
 */
export class RedisBroker implements Broker {
  readonly instanceId: string
  readonly #o: Required<Omit<RedisBrokerOptions, 'metrics' | 'instanceId'>> & { metrics?: BrokerMetrics }
  readonly #channel: string
  #handler: ClusterEventHandler = () => {}
  readonly #resubscribed: Array<() => void> = []
  /** last sequence seen per publishing instance, and when */
  readonly #lastSeen = new Map<string, { n: number; at: number }>()
  #seq = 0
  #subscribed = false
  #everSubscribed = false
  #pendingResubscribe: 'reconnect' | 'probe' = 'reconnect'
  #subscribeWaiters: Array<() => void> = []
  #probeNo = 0
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
    this.#o = { ...options, probeIntervalMs: options.probeIntervalMs ?? 5000, probeTimeoutMs: options.probeTimeoutMs ?? 3000 }
    this.#channel = `${options.prefix}cluster`
    const sub = options.subscriber
    sub.on('message', (channel: string, data: string) => {
      if (channel === this.#channel) this.#receive(data)
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
    const n = ++this.#seq
    queueMicrotask(() => this.#deliver(event))
    const sending = this.#send({ v: 1, i: this.instanceId, n, t: Date.now(), e: event })
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
    sub.removeAllListeners('message')
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
      await this.#o.subscriber.subscribe(this.#channel)
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

  #receive(raw: string): void {
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
      if (env.p !== undefined && env.p === this.#probeNo) this.#probeReturned()
      return
    }
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
    if (!last || env.n > last.n) this.#lastSeen.set(env.i, { n: env.n, at: now })
    if (env.e) this.#deliver(env.e)
  }

  #deliver(event: ClusterEvent): void {
    if (this.#closed) return
    try {
      this.#handler(event)
    } catch (err) {
      this.#o.logger.error({ err, kind: event.kind }, 'cluster event handler failed')
    }
  }

  async #send(env: Envelope): Promise<boolean> {
    // a ping while the connection is (re)connecting: no event lost, and health() sees the status
    if (env.p !== undefined && this.#o.publisher.status !== 'ready') return false
    try {
      await this.#o.publisher.publish(this.#channel, JSON.stringify(env))
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
    // a ping carries our last event number: receivers notice our failed publishes within one interval
    const sent = await this.#send({ v: 1, i: this.instanceId, n: this.#seq, t: Date.now(), p: probe })
    if (!sent && this.#probeDeadline === deadline) {
      // refused outright (connection lost): the subscriber reconnects by itself
      clearTimeout(deadline)
      this.#probeDeadline = null
    }
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
    for (const [id, seen] of this.#lastSeen) if (seen.at < cutoff) this.#lastSeen.delete(id)
  }
}
