import type { Logger } from 'pino'
import type { Broker } from '../broker.js'
import { Coalescer } from '../conversations/coalescer.js'
import type { Store } from '../store.js'
import type { Presence } from './presence.js'
import { toPublicUser } from './user.js'

/** how often one user's profile changes are pushed at most */
const COALESCE_MS = 1000
/** the most people one change is pushed to (friends, direct peers and members of shared groups) */
const MAX_AUDIENCE = 10_000

/**
 * Tells the people who see a user's name and avatar (friends, direct peers, members of shared
 * groups) that they changed, live: a `user.updated` frame with the public profile, sent only to
 * those online, and coalesced so a burst of edits costs one frame per person.
 */
export class ProfileNotifier {
  readonly #d: { store: Store; broker: Broker; presence: Presence; logger: Logger }
  readonly #pending: Coalescer<true>

  constructor(deps: { store: Store; broker: Broker; presence: Presence; logger: Logger }) {
    this.#d = deps
    this.#pending = new Coalescer(COALESCE_MS, (userId) => this.#push(userId))
  }

  /** A user's nickname or avatar changed (committed). */
  changed(userId: string): void {
    this.#pending.add(userId, userId, true)
  }

  close(): void {
    this.#pending.close()
  }

  async #push(userId: string): Promise<void> {
    const { store, broker, presence, logger } = this.#d
    try {
      const user = await store.users.findById(userId)
      if (!user || user.state !== 'active') return
      const [friends, shared] = await Promise.all([
        store.friends.friendIds(userId),
        store.conversations.sharedMemberIds(userId, MAX_AUDIENCE),
      ])
      const audience = [...new Set([...friends, ...shared])].filter((id) => id !== userId).slice(0, MAX_AUDIENCE)
      if (audience.length === 0) return
      const online = [...(await presence.connectedAmong(audience))]
      if (online.length === 0) return
      await broker.publish({ kind: 'push', route: { users: online }, event: { type: 'user.updated', user: toPublicUser(user) } })
      logger.info({ event: 'user.profile_pushed', userId, recipients: online.length }, 'profile change pushed')
    } catch (err) {
      // best effort, like presence: a failure here must never break a request
      logger.warn({ err, userId }, 'profile change push failed')
    }
  }
}
