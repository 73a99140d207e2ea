import type { Logger } from 'pino'
import { cleanDisplayName } from '../display-text.js'
import type { Broker } from '../broker.js'
import type { DomainEvents } from '../domain-events.js'
import type { Clock } from '../../shared/clock.js'
import { isId } from '../../shared/ids.js'
import type { Store } from '../store.js'
import type { UserPatch } from './user-store.js'
import { AppError } from '../errors.js'
import { selfUserView, toPublicUser, type PublicUser, type User } from './user.js'

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** Profiles: one's own, other people's, and search. */
export class UserService {
  readonly #store: Store
  readonly #broker: Broker
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #events: DomainEvents

  constructor(deps: { store: Store; broker: Broker; events: DomainEvents; clock: Clock; logger: Logger }) {
    this.#events = deps.events
    this.#store = deps.store
    this.#broker = deps.broker
    this.#clock = deps.clock
    this.#logger = deps.logger
  }

  async updateProfile(userId: string, input: UserPatch): Promise<User> {
    const patch = input.nickname === undefined ? input : { ...input, nickname: cleanDisplayName(input.nickname, 'nickname') }
    const before = await this.#store.users.findById(userId)
    if (!before) throw new AppError('user.not_found')
    const user = await this.#store.users.update(userId, patch, this.#clock.now())
    if (!user) throw new AppError('user.not_found')
    this.#logger.info({ event: 'user.profile_updated', userId, fields: Object.keys(patch) }, 'profile updated')
    await this.#broker.publish({ kind: 'user.changed', userId })
    await this.#broker.publish({ kind: 'push', route: { users: [userId] }, event: { type: 'user.updated', user: selfUserView(user) } })
    if (patch.status !== undefined && patch.status !== before.status) await this.#events.emit('user.status_changed', { userId })
    if (user.nickname !== before.nickname || user.avatarFileId !== before.avatarFileId)
      await this.#events.emit('user.profile_changed', { userId })
    return user
  }

  /** A public profile; deleted users show as "Deleted user", unknown ids are 404. */
  async getPublicProfile(id: string): Promise<PublicUser> {
    const user = isId(id) ? await this.#store.users.findById(id) : null
    if (!user) throw new AppError('user.not_found')
    return toPublicUser(user)
  }

  /** Search by exact id or username/nickname prefix; active users only; excludes `excludeIds`. */
  async search(query: { q: string; limit: number; cursor: string | null; excludeIds: readonly string[] }): Promise<Page<PublicUser>> {
    const q = query.q.trim()
    if ([...q].length < 2) throw new AppError('user.search_query_too_short')
    const rows = await this.#store.users.search({
      prefix: q,
      afterId: query.cursor,
      limit: query.limit + 1,
      excludeIds: query.excludeIds,
    })
    const items = rows.slice(0, query.limit)
    return {
      items: items.map(toPublicUser),
      nextCursor: rows.length > query.limit ? items.at(-1)!.id : null,
    }
  }
}
