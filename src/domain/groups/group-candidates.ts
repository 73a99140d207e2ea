import type { Store } from '../store.js'
import type { ErrorCode } from '../errors.js'

export interface Refusal {
  userId: string
  code: ErrorCode
}

/** What becomes of each id someone asked to bring into a group; every id lands in exactly one list. */
export interface Candidates {
  /** the actor's friends: may join at once */
  friends: string[]
  /** anyone else who can be invited */
  others: string[]
  /** `user.not_found` (unknown, disabled or deleted: the same answer, so account state does not leak),
   * `friend.blocked` (a block either way), `group.already_member` (the actor themselves) */
  refused: Refusal[]
}

/** Sorts the ids of a creation or an invitation by the actor's relation to each. */
export async function sortCandidates(store: Store, actorId: string, ids: readonly string[]): Promise<Candidates> {
  const unique = [...new Set(ids)]
  const out: Candidates = { friends: [], others: [], refused: [] }
  if (unique.length === 0) return out
  const [users, friendIds, blockedIds] = await Promise.all([
    store.users.findByIds(unique.filter((id) => id !== actorId)),
    store.friends.friendIds(actorId),
    store.friends.blockedEitherWayIds(actorId),
  ])
  const active = new Set(users.filter((u) => u.state === 'active').map((u) => u.id))
  const friends = new Set(friendIds)
  const blocked = new Set(blockedIds)
  for (const userId of unique) {
    if (userId === actorId) out.refused.push({ userId, code: 'group.already_member' })
    else if (!active.has(userId)) out.refused.push({ userId, code: 'user.not_found' })
    else if (blocked.has(userId)) out.refused.push({ userId, code: 'friend.blocked' })
    else if (friends.has(userId)) out.friends.push(userId)
    else out.others.push(userId)
  }
  return out
}
