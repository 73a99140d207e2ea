import type { Logger } from 'pino'
import type { Broker } from '../broker.js'
import type { Presence } from './presence.js'
import type { Store } from '../store.js'
import type { User } from './user.js'

export type ShownStatus = 'online' | 'away' | 'busy' | 'offline'

/** What others see: an invisible user, or one with no live socket, looks offline. */
export function shownPresence(user: Pick<User, 'status'>, connected: boolean): { status: ShownStatus; connected: boolean } {
  if (user.status === 'invisible' || !connected) return { status: 'offline', connected: false }
  return { status: user.status, connected: true }
}

/** Publishes presence changes (status chosen by the user + connected from sockets). */
export class PresenceService {
  readonly #presence: Presence
  readonly #broker: Broker
  readonly #store: Store
  readonly #logger: Logger
  /** socket changes whose presence is still being published */
  readonly #inflight = new Set<Promise<void>>()

  constructor(deps: { presence: Presence; broker: Broker; store: Store; logger: Logger }) {
    this.#presence = deps.presence
    this.#broker = deps.broker
    this.#store = deps.store
    this.#logger = deps.logger
  }

  /**
   * Records a socket. Resolves once it is in the registry, so events are routed to this instance
   * from then on; its presence is published in the background (tracked for `settle`).
   */
  socketOpened(userId: string, connectionId: string): Promise<void> {
    let registered!: () => void
    const done = new Promise<void>((resolve) => (registered = resolve))
    void this.#track(async () => {
      let first = false
      try {
        first = await this.#presence.connect(userId, connectionId)
      } finally {
        registered()
      }
      if (first) await this.publish(userId)
    })
    return done
  }

  async socketClosed(userId: string, connectionId: string): Promise<void> {
    await this.#track(async () => {
      if (await this.#presence.disconnect(userId, connectionId)) await this.publish(userId)
    })
  }

  /** Resolves once socket changes already under way are published (shutdown: before the broker closes). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#inflight])
  }

  #track(work: () => Promise<void>): Promise<void> {
    const p = work()
    this.#inflight.add(p)
    void p.finally(() => this.#inflight.delete(p)).catch(() => {})
    return p
  }

  /** Shown presence of several users at once. */
  async presenceOf(users: readonly Pick<User, 'id' | 'status'>[]): Promise<Map<string, { status: ShownStatus; connected: boolean }>> {
    const connected = await this.#presence.connectedAmong(users.map((u) => u.id))
    return new Map(users.map((u) => [u.id, shownPresence(u, connected.has(u.id))]))
  }

  /** Tells the user's audience (their friends) the current shown presence. */
  async publish(userId: string): Promise<void> {
    try {
      const user = await this.#store.users.findById(userId)
      if (!user) return
      const connected = (await this.#presence.connectedAmong([userId])).has(userId)
      // who hears it: the user's friends
      const audience = await this.#store.friends.friendIds(userId)
      if (audience.length === 0) return
      const shown = shownPresence(user, connected)
      await this.#broker.publish({
        kind: 'push',
        route: { users: audience },
        event: { type: 'presence', userId, ...shown },
      })
    } catch (err) {
      // presence is best effort; a failure here must never break a socket or a request
      this.#logger.warn({ err, userId }, 'presence publish failed')
    }
  }
}
