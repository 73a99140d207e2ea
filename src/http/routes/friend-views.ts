import type { BlockEntry, FriendEntry } from '../../domain/friends/friend-service.js'
import { friendRequestPayload, type FriendRequestWithUsers } from '../../domain/friends/friend.js'
import { toIso } from '../../shared/clock.js'

/** A request as the API returns it: the same JSON as the `friend.request` events carry. */
export function friendRequestView(request: FriendRequestWithUsers) {
  return friendRequestPayload(request)
}

export function friendView(entry: FriendEntry) {
  return { user: entry.user, remark: entry.friendship.remark, since: toIso(entry.friendship.createdAt)!, presence: entry.presence }
}

export function blockView(entry: BlockEntry) {
  return { user: entry.user, blockedAt: toIso(entry.block.createdAt)! }
}
