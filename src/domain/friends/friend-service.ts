import type { Logger } from 'pino'
import { cleanDisplayText } from '../display-text.js'
import type { Broker } from '../broker.js'
import type { DomainEvents } from '../domain-events.js'
import { friendRules } from './friend-rules.js'
import type { Clock } from '../../shared/clock.js'
import { newId } from '../../shared/ids.js'
import type { Store } from '../store.js'
import { AppError } from '../errors.js'
import type { UserEvent } from '../events.js'
import type { PresenceService, ShownStatus } from '../users/presence-service.js'
import type { Page } from '../users/user-service.js'
import { toPublicUser, type PublicUser } from '../users/user.js'
import {
  friendRequestPayload,
  type Block,
  type FriendRequest,
  type FriendRequestAnswer,
  type FriendRequestWithUsers,
  type Friendship,
  type RemovedFriendship,
} from './friend.js'

/** Answered requests stay in the request lists this long (pending ones stay until answered). */
export const RECENT_REQUESTS_MS = 30 * 24 * 3600_000

export interface FriendEntry {
  friendship: Friendship
  user: PublicUser
  presence: { status: ShownStatus; connected: boolean }
}

export interface BlockEntry {
  block: Block
  user: PublicUser
}

export interface PageInput {
  limit: number
  cursor: string | null
}

export interface FriendServiceDeps {
  store: Store
  broker: Broker
  presence: PresenceService
  /** announces `friend.accepted` and `friend.removed` */
  events: DomainEvents
  clock: Clock
  logger: Logger
}

/** Friend requests, friendships and blocks; tells both sides of every change. */
export class FriendService {
  readonly #store: Store
  readonly #broker: Broker
  readonly #presence: PresenceService
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #events: DomainEvents

  constructor(deps: FriendServiceDeps) {
    this.#events = deps.events
    this.#store = deps.store
    this.#broker = deps.broker
    this.#presence = deps.presence
    this.#clock = deps.clock
    this.#logger = deps.logger
  }

  /**
   * Sends a request. When the other side already has a pending request to me, that one is
   * accepted instead (`outcome: 'accepted'`, my note and greeting are dropped); a second
   * request of mine while one is pending is 409 `friend_request.pending` with its id.
   */
  async sendRequest(
    fromUserId: string,
    input: { userId: string; note?: string; greeting?: string },
  ): Promise<{ outcome: 'created' | 'accepted'; request: FriendRequestWithUsers }> {
    const toUserId = input.userId
    if (toUserId === fromUserId) throw new AppError('friend.self')
    // a crossing request may be withdrawn between our read and our accept: then try once more
    for (let attempt = 1; ; attempt++) {
      const { request, created } = await this.#store.friends.createRequest(
        {
          id: newId(),
          fromUserId,
          toUserId,
          note: input.note ?? '',
          greeting: input.greeting ?? '',
          createdAt: this.#clock.now(),
        },
        friendRules.newRequest,
      )
      if (created) {
        this.#logger.info(
          { event: 'friend.requested', requestId: request.id, userId: fromUserId, friendId: toUserId },
          'friend request sent',
        )
        const full = await this.#withUsers(request)
        await this.#push([toUserId, fromUserId], { type: 'friend.request', request: friendRequestPayload(full) })
        await this.#events.emit('friend.requested', { requestId: request.id, fromUserId, toUserId })
        return { outcome: 'created', request: full }
      }
      if (request.fromUserId === fromUserId) {
        throw new AppError('friend_request.pending', 'You already asked this user; wait for an answer or withdraw that request.', {
          details: { requestId: request.id },
        })
      }
      try {
        return { outcome: 'accepted', request: await this.accept(fromUserId, request.id) }
      } catch (err) {
        if (attempt >= 2 || !(err instanceof AppError) || err.code !== 'friend_request.already_answered') throw err
      }
    }
  }

  /** Requests to me (`incoming`) or from me (`outgoing`): pending ones and those answered in the last 30 days. */
  async listRequests(userId: string, box: 'incoming' | 'outgoing', page: PageInput): Promise<Page<FriendRequestWithUsers>> {
    const rows = await this.#store.friends.listRequests({
      userId,
      box,
      since: this.#clock.now() - RECENT_REQUESTS_MS,
      afterId: page.cursor,
      limit: page.limit + 1,
    })
    const items = rows.slice(0, page.limit)
    return { items: await this.#withUsersMany(items), nextCursor: rows.length > page.limit ? items.at(-1)!.id : null }
  }

  /** Accepts a request to me: both become friends; both sides are told. */
  async accept(userId: string, requestId: string): Promise<FriendRequestWithUsers> {
    const request = await this.#store.friends.acceptRequest(requestId, userId, this.#clock.now(), friendRules.accept)
    await this.#directFactsChanged(request.fromUserId, request.toUserId)
    this.#logger.info({ event: 'friend.accepted', requestId, userId, friendId: request.fromUserId }, 'friend request accepted')
    const full = await this.#answered(request, 'accepted')
    await this.#events.emit('friend.accepted', {
      id: request.id,
      fromUserId: request.fromUserId,
      toUserId: request.toUserId,
      greeting: request.greeting,
    })
    return full
  }

  /** Rejects a request to me. */
  async reject(userId: string, requestId: string): Promise<FriendRequestWithUsers> {
    await this.#ownRequest(requestId, (r) => r.toUserId === userId)
    const request = await this.#close(requestId, 'rejected')
    this.#logger.info({ event: 'friend.rejected', requestId, userId, friendId: request.fromUserId }, 'friend request rejected')
    return this.#answered(request, 'rejected')
  }

  /** Withdraws a request I sent. */
  async withdraw(userId: string, requestId: string): Promise<FriendRequestWithUsers> {
    await this.#ownRequest(requestId, (r) => r.fromUserId === userId)
    const request = await this.#close(requestId, 'withdrawn')
    this.#logger.info({ event: 'friend.withdrawn', requestId, userId, friendId: request.toUserId }, 'friend request withdrawn')
    return this.#answered(request, 'withdrawn')
  }

  /** My active friends, by id, with remark, public profile and shown presence. */
  async listFriends(userId: string, page: PageInput): Promise<Page<FriendEntry>> {
    const rows = await this.#store.friends.listFriends({ userId, afterId: page.cursor, limit: page.limit + 1 })
    const items = rows.slice(0, page.limit)
    return { items: await this.#entries(items), nextCursor: rows.length > page.limit ? items.at(-1)!.friendId : null }
  }

  /** Sets my remark for a friend; an empty remark clears it. */
  async setRemark(userId: string, friendId: string, remark: string): Promise<FriendEntry> {
    const friend = await this.#store.users.findById(friendId)
    if (!friend || friend.state !== 'active') throw new AppError('friend.not_found')
    if (!(await this.#store.friends.setRemark(userId, friendId, cleanDisplayText(remark)))) throw new AppError('friend.not_found')
    const friendship = await this.#store.friends.findFriendship(userId, friendId)
    if (!friendship) throw new AppError('friend.not_found')
    const [entry] = await this.#entries([friendship])
    return entry!
  }

  /** Ends a friendship on both sides; both are told. */
  async removeFriend(userId: string, friendId: string, options: { deleteHistory: boolean; forBoth?: boolean }): Promise<void> {
    if (!(await this.#store.friends.removeFriendship(userId, friendId))) throw new AppError('friend.not_found')
    await this.#directFactsChanged(userId, friendId)
    const forBoth = options.deleteHistory && options.forBoth === true
    this.#logger.info(
      { event: 'friend.removed', userId, friendId, deleteHistory: options.deleteHistory, ...(forBoth ? { forBoth } : {}) },
      'friend removed',
    )
    await this.#pushRemoved(userId, friendId)
    await this.#afterRemoved({ userId, friendId, deleteHistory: options.deleteHistory, ...(forBoth ? { forBoth } : {}), reason: 'removed' })
  }

  /** Users I block (active ones), by id, with public profiles. */
  async listBlocks(userId: string, page: PageInput): Promise<Page<BlockEntry>> {
    const rows = await this.#store.friends.listBlocks({ userId, afterId: page.cursor, limit: page.limit + 1 })
    const items = rows.slice(0, page.limit)
    const users = new Map((await this.#store.users.findByIds(items.map((b) => b.blockedId))).map((u) => [u.id, u]))
    return {
      items: items.flatMap((block) => {
        const user = users.get(block.blockedId)
        return user ? [{ block, user: toPublicUser(user) }] : []
      }),
      nextCursor: rows.length > page.limit ? items.at(-1)!.blockedId : null,
    }
  }

  /**
   * Blocks a user (idempotent): ends our friendship and closes the pending request between us
   * in the same transaction, then tells both sides what ended (not that it was a block).
   */
  async block(userId: string, blockedId: string): Promise<void> {
    if (userId === blockedId) throw new AppError('block.self')
    const outcome = await this.#store.friends.block(userId, blockedId, this.#clock.now(), friendRules.block)
    if (outcome.created || outcome.endedFriendship) await this.#directFactsChanged(userId, blockedId)
    if (outcome.created || outcome.endedFriendship || outcome.closedRequest) {
      this.#logger.info(
        {
          event: 'user.blocked',
          userId,
          blockedId,
          endedFriendship: outcome.endedFriendship,
          closedRequestId: outcome.closedRequest?.id ?? null,
        },
        'user blocked',
      )
    }
    if (outcome.closedRequest) await this.#answered(outcome.closedRequest, outcome.closedRequest.status as FriendRequestAnswer)
    if (outcome.endedFriendship) {
      await this.#pushRemoved(userId, blockedId)
      await this.#afterRemoved({ userId, friendId: blockedId, deleteHistory: false, reason: 'blocked' })
    }
  }

  /** Lifts my block; restores nothing. */
  async unblock(userId: string, blockedId: string): Promise<void> {
    if (!(await this.#store.friends.unblock(userId, blockedId))) throw new AppError('block.not_found')
    await this.#directFactsChanged(userId, blockedId)
    this.#logger.info({ event: 'user.unblocked', userId, blockedId }, 'user unblocked')
  }

  /**
   * Friendship and blocks are send facts of the pair's direct conversation: bump its version so
   * sends authorized on cached facts are checked again (SendFactsCache), on every instance.
   */
  async #directFactsChanged(a: string, b: string): Promise<void> {
    const direct = await this.#store.conversations.findDirect(a, b)
    if (direct) await this.#store.conversations.bumpMembershipVersion(direct.id, this.#clock.now())
  }

  /** Cheap checks for other capabilities (messaging, groups). */
  areFriends(a: string, b: string): Promise<boolean> {
    return this.#store.friends.areFriends(a, b)
  }

  isBlockedEitherWay(a: string, b: string): Promise<boolean> {
    return this.#store.friends.isBlockedEitherWay(a, b)
  }

  /** Who is hidden from `userId` in search: people they block and people who block them. */
  searchExclusions(userId: string): Promise<string[]> {
    return this.#store.friends.blockedEitherWayIds(userId)
  }

  async #ownRequest(requestId: string, mine: (r: FriendRequest) => boolean): Promise<FriendRequest> {
    const request = await this.#store.friends.findRequest(requestId)
    if (!request || !mine(request)) throw new AppError('friend_request.not_found')
    return request
  }

  async #close(requestId: string, status: 'rejected' | 'withdrawn'): Promise<FriendRequest> {
    const request = await this.#store.friends.closeRequest(requestId, status, this.#clock.now())
    if (!request) throw new AppError('friend_request.already_answered')
    return request
  }

  /** Tells both sides a request was answered. */
  async #answered(request: FriendRequest, status: FriendRequestAnswer): Promise<FriendRequestWithUsers> {
    const full = await this.#withUsers(request)
    await this.#push([request.toUserId, request.fromUserId], {
      type: 'friend.request_updated',
      request: friendRequestPayload(full),
      status,
    })
    return full
  }

  /** Each side hears the other's id. */
  async #pushRemoved(userId: string, friendId: string): Promise<void> {
    await this.#push([userId], { type: 'friend.removed', userId: friendId })
    await this.#push([friendId], { type: 'friend.removed', userId })
  }

  async #afterRemoved(removed: RemovedFriendship): Promise<void> {
    await this.#events.emit('friend.removed', removed)
  }

  async #push(users: string[], event: UserEvent): Promise<void> {
    await this.#broker.publish({ kind: 'push', route: { users }, event })
  }

  async #withUsers(request: FriendRequest): Promise<FriendRequestWithUsers> {
    const [full] = await this.#withUsersMany([request])
    if (!full) throw new AppError('user.not_found')
    return full
  }

  async #withUsersMany(requests: FriendRequest[]): Promise<FriendRequestWithUsers[]> {
    const ids = requests.flatMap((r) => [r.fromUserId, r.toUserId])
    const users = new Map((await this.#store.users.findByIds(ids)).map((u) => [u.id, u]))
    return requests.flatMap((request) => {
      const from = users.get(request.fromUserId)
      const to = users.get(request.toUserId)
      return from && to ? [{ request, from: toPublicUser(from), to: toPublicUser(to) }] : []
    })
  }

  async #entries(friendships: Friendship[]): Promise<FriendEntry[]> {
    const users = await this.#store.users.findByIds(friendships.map((f) => f.friendId))
    const byId = new Map(users.map((u) => [u.id, u]))
    const presence = await this.#presence.presenceOf(users)
    return friendships.flatMap((friendship) => {
      const user = byId.get(friendship.friendId)
      const shown = presence.get(friendship.friendId)
      return user && shown ? [{ friendship, user: toPublicUser(user), presence: shown }] : []
    })
  }
}
