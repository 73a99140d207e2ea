import type { Message } from './message.js'

/** What adding or removing a reaction did. */
export type ReactionChange =
  /** stored; the message carries the new summary and modSeq */
  | { kind: 'changed'; message: Message; membershipVersion: number }
  /** nothing to do (already there, or already gone) */
  | { kind: 'unchanged'; message: Message }
  | { kind: 'missing' | 'recalled' | 'message_limit' | 'user_limit' }

export interface ReactionLimits {
  /** most different emoji on one message */
  maxEmojis: number
  /** most reactions of one user on one message */
  maxPerUser: number
  /** how many reactor ids each emoji's summary keeps */
  shownUsers: number
}

/**
 * Emoji reactions: one row per (message, emoji, user), and the message's summary rewritten in
 * the same transaction with the conversation's next mod_seq (so `changedSince` and `resume`
 * return the message again). Changes of one conversation are serialized by its counter row.
 */
export interface ReactionStore {
  /** Adds a reaction unless the message is missing or recalled, or a limit refuses it. */
  add(q: {
    conversationId: string
    seq: number
    userId: string
    emoji: string
    now: number
    limits: ReactionLimits
  }): Promise<ReactionChange>
  /** Removes a reaction (unchanged when it was not there). */
  remove(q: {
    conversationId: string
    seq: number
    userId: string
    emoji: string
    now: number
    shownUsers: number
  }): Promise<ReactionChange>
  /** Who reacted with `emoji`, ordered by user id, after the cursor (a user id). */
  users(q: {
    conversationId: string
    seq: number
    emoji: string
    limit: number
    after: string | null
  }): Promise<{ userIds: string[]; nextCursor: string | null }>
}
