import type { Conversation, ConversationSummary, Membership } from './conversation.js'

/** Conversations and memberships (direct and world; groups create theirs in the group store). */
export interface ConversationStore {
  findById(id: string): Promise<Conversation | null>
  /**
   * The direct conversation of two users, created on first use with both memberships
   * (insert-or-ignore on the unique pair key, then select: safe under races). It survives
   * unfriend and re-friend.
   */
  getOrCreateDirect(userA: string, userB: string, now: number): Promise<Conversation>
  /** The direct conversation of two users, or null if they never had one. */
  findDirect(userA: string, userB: string): Promise<Conversation | null>
  /** The one world conversation, created on first use. */
  getOrCreateWorld(now: number): Promise<Conversation>
  /** A user's membership row; null when they never were a member. */
  membership(conversationId: string, userId: string): Promise<Membership | null>
  /**
   * Makes the user a member of the world channel (at registration; idempotent): their range starts
   * after the world's last message, read up to it. Creates the world if it does not exist yet.
   */
  joinWorld(userId: string, now: number): Promise<{ conversation: Conversation; membership: Membership }>
  /**
   * Bumps `membership_version`: the conversation's authorization facts changed (a block, a
   * friendship, a world setting), so sends checked against cached facts are checked again.
   */
  bumpMembershipVersion(conversationId: string, now: number): Promise<number>
  /** How far current members other than `exceptUserId` have read, by user id; at most `limit`. */
  readPositions(conversationId: string, exceptUserId: string, limit: number): Promise<Array<{ userId: string; seq: number }>>
  /** Users who share a direct or group conversation with `userId` now (both current members); at most `limit`. */
  sharedMemberIds(userId: string, limit: number): Promise<string[]>
  /** Every member row (current and past) with its seq range, for push routing. */
  memberRanges(
    conversationId: string,
  ): Promise<{ version: number; members: Array<{ userId: string; joinSeq: number; leftSeq: number | null }> }>
  /**
   * A user's current conversations (not left), pinned first, then by last activity, then id.
   * `cursor` is opaque (from the previous page).
   */
  listForUser(userId: string, limit: number, cursor: string | null): Promise<{ items: ConversationSummary[]; nextCursor: string | null }>
  /**
   * One conversation as `userId` sees it; null when not a member (now or before).
   * `withLastMessage: false` skips loading the last message (authorization on hot paths).
   */
  summaryFor(conversationId: string, userId: string, options?: { withLastMessage?: boolean }): Promise<ConversationSummary | null>
  updatePrefs(conversationId: string, userId: string, prefs: { pinned?: boolean; muted?: boolean }, now: number): Promise<void>
  /**
   * Moves read_seq forward to `seq` (never back, never past what the member may see, i.e. the
   * conversation's last seq or their leave seq); returns read_seq after it (the max of before
   * and target) and whether it moved; null when the user never was a member. One statement when it moves.
   */
  markRead(conversationId: string, userId: string, seq: number, now: number): Promise<{ readSeq: number; moved: boolean } | null>
  /** Hides everything up to the current last seq for this user only; returns the new cleared_seq. */
  clearHistory(conversationId: string, userId: string, now: number): Promise<number>
  /** Conversations of a user, other than `exceptIds`, whose last_seq or mod_seq is past what they know. */
  idsWithActivity(userId: string): Promise<Array<{ conversationId: string; lastSeq: number; modSeq: number }>>
}
