import { AppError } from '../errors.js'

/** What the store reads, under both users' row locks, before it creates a request. */
export interface NewRequestFacts {
  /** the recipient's state (`active`, `disabled`, `deleted`), null when unknown */
  recipientState: string | null
  /** either blocks the other */
  blocked: boolean
  friends: boolean
}

/** What the store reads, under both users' row locks, before it accepts a request. */
export interface AcceptFacts {
  /** the request exists and is addressed to the user accepting it */
  addressedToMe: boolean
  /** the sender's state, null when unknown */
  senderState: string | null
  blocked: boolean
  /** still pending (false also when a concurrent answer won the conditional update) */
  pending: boolean
}

/** What the store reads, under both users' row locks, before it records a block. */
export interface BlockFacts {
  /** the state of the user to block, null when unknown */
  blockedState: string | null
}

/**
 * The friendship rules, judged on facts the store reads inside its transaction (so the check and
 * the write are atomic) and throwing the error the client gets. The store calls them and decides
 * nothing itself.
 */
export const friendRules = {
  /** A request needs an active recipient, no block either way, and no friendship yet. */
  newRequest(f: NewRequestFacts): void {
    if (f.recipientState !== 'active') throw new AppError('user.not_found')
    if (f.blocked) throw new AppError('friend.blocked')
    if (f.friends) throw new AppError('friend.already_friends')
  },
  /** Only the recipient accepts, only while the sender is active, nobody blocks, and once. */
  accept(f: AcceptFacts): void {
    if (!f.addressedToMe || f.senderState !== 'active') throw new AppError('friend_request.not_found')
    if (f.blocked) throw new AppError('friend.blocked')
    if (!f.pending) throw new AppError('friend_request.already_answered')
  },
  /** Only an active user can be blocked. */
  block(f: BlockFacts): void {
    if (f.blockedState !== 'active') throw new AppError('user.not_found')
  },
}
