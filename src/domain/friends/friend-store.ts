import type { AcceptFacts, BlockFacts, NewRequestFacts } from './friend-rules.js'
import type { Block, FriendRequest, Friendship } from './friend.js'

export interface NewFriendRequest {
  id: string
  fromUserId: string
  toUserId: string
  note: string
  greeting: string
  createdAt: number
}

/** What one page of a list asks for: items after `afterId` (an id from the previous page). */
export interface PageQuery {
  afterId: string | null
  limit: number
}

/** What a block changed besides adding the block row, so the service can tell both sides. */
export interface BlockOutcome {
  /** false when the block already existed (the call is idempotent) */
  created: boolean
  /** a friendship existed and both of its rows were deleted */
  endedFriendship: boolean
  /** the pending request between the two, now `withdrawn` (blocker sent it) or `rejected` */
  closedRequest: FriendRequest | null
}

/**
 * Friend requests, friendships and blocks.
 *
 * Rules that must hold under concurrency are enforced here, inside one transaction that first
 * locks both users' rows (in id order, so two transactions on the same pair never deadlock):
 * at most one pending request per pair (either direction), no request or new friendship
 * across a block, and a friendship is always two rows (a->b and b->a) or none.
 * "Active" below means `users.state = 'active'`: deleted and disabled users vanish from lists.
 */
export interface FriendStore {
  /** A request by id, any status; null when unknown. */
  findRequest(id: string): Promise<FriendRequest | null>

  /**
   * Creates a pending request, unless one is already pending between the two (either
   * direction): then returns that one with `created: false` and writes nothing. First, under
   * both users' row locks, it reads the facts and calls `rule` (`friendRules.newRequest`), which
   * throws to refuse; the transaction then writes nothing.
   */
  createRequest(input: NewFriendRequest, rule: (facts: NewRequestFacts) => void): Promise<{ request: FriendRequest; created: boolean }>

  /**
   * Accepts a pending request addressed to `byUserId`: marks it accepted and creates both
   * friendship rows in one transaction. Of two concurrent accepts exactly one succeeds. Under
   * both users' row locks it calls `rule` (`friendRules.accept`) with the facts, and again with
   * `pending: false` when a concurrent answer won the conditional update; `rule` throws to refuse.
   */
  acceptRequest(id: string, byUserId: string, now: number, rule: (facts: AcceptFacts) => void): Promise<FriendRequest>

  /**
   * Moves a request from pending to `status` (rejected or withdrawn) with a conditional
   * update; returns the updated request, or null when it was not pending any more.
   * Who may do this is the caller's business.
   */
  closeRequest(id: string, status: 'rejected' | 'withdrawn', now: number): Promise<FriendRequest | null>

  /**
   * Requests to (`incoming`) or from (`outgoing`) `userId` whose other side is active: all
   * pending ones and the others last changed at or after `since`; newest first (by id, after
   * `afterId` meaning older than it).
   */
  listRequests(query: PageQuery & { userId: string; box: 'incoming' | 'outgoing'; since: number }): Promise<FriendRequest[]>

  /** `userId`'s side of the friendship with `friendId`; null when not friends. */
  findFriendship(userId: string, friendId: string): Promise<Friendship | null>

  /** `userId`'s friends who are active, ordered by friend id, after `afterId`. */
  listFriends(query: PageQuery & { userId: string }): Promise<Friendship[]>

  /** Sets `userId`'s remark for `friendId`; false when they are not friends. */
  setRemark(userId: string, friendId: string, remark: string): Promise<boolean>

  /** Deletes both rows of a friendship atomically; false when there was none. */
  removeFriendship(userId: string, friendId: string): Promise<boolean>

  /**
   * Blocks `blockedId` for `userId` (idempotent), ends their friendship (both rows) and closes
   * the pending request between them, all in one transaction, after `rule` (`friendRules.block`)
   * accepted the facts read under both users' row locks.
   */
  block(userId: string, blockedId: string, now: number, rule: (facts: BlockFacts) => void): Promise<BlockOutcome>

  /** Lifts a block; false when there was none. Restores nothing. */
  unblock(userId: string, blockedId: string): Promise<boolean>

  /** Users `userId` blocks who are active, ordered by their id, after `afterId`. */
  listBlocks(query: PageQuery & { userId: string }): Promise<Block[]>

  /** Whether `a` and `b` are friends (cheap: one primary-key lookup). */
  areFriends(a: string, b: string): Promise<boolean>

  /** Whether `a` blocks `b` or `b` blocks `a`. */
  isBlockedEitherWay(a: string, b: string): Promise<boolean>

  /** Ids of all of `userId`'s friends, any state (presence audience, messaging checks). */
  friendIds(userId: string): Promise<string[]>

  /** Ids of users `userId` blocks or is blocked by (hidden from each other in search). */
  blockedEitherWayIds(userId: string): Promise<string[]>
}
