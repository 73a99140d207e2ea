import type { Message, MessageType } from './message.js'

export interface AppendMessage {
  conversationId: string
  senderId: string | null
  clientMsgId: string
  type: MessageType
  content: Record<string, unknown>
  now: number
  /** who it mentions (user ids, `*` for @all; no repeats): rows for the @ badge, in the same transaction */
  mentions?: readonly string[]
}

export interface Appended {
  message: Message
  created: boolean
  membershipVersion: number
}

/** Messages: the send transaction, history and changes. */
export interface MessageStore {
  /**
   * Stores a message with the conversation's next `seq` (gapless, in the insert's transaction)
   * and returns it with the conversation's membership version. Idempotent on
   * `(conversation, sender, clientMsgId)`: a repeat returns the stored message with
   * `created: false`, even when retries race on two connections (whatever the version).
   */
  append(input: AppendMessage): Promise<Appended>
  /**
   * `append`, checked against the membership_version the sender was authorized at: when the
   * conversation's version is another one inside the send transaction, nothing is stored and
   * the answer is 'stale' (an idempotent repeat returns the stored message whatever the version).
   */
  appendChecked(input: AppendMessage, expectedVersion: number): Promise<Appended | 'stale'>
  /**
   * Messages with `minSeq <= seq <= maxSeq`, ascending; with `before`, the last `limit` below it;
   * with `after`, the first `limit` above it; neither: the latest `limit`.
   */
  history(
    conversationId: string,
    q: { before?: number; after?: number; limit: number; minSeq: number; maxSeq: number },
  ): Promise<{ items: Message[]; hasMore: boolean }>
  /**
   * `history` as member `userId` sees it, in one statement: within their visible range, read from
   * their membership and the conversation in the same statement (the range `visibleRange` gives:
   * from max(join_seq, cleared_seq + 1) up to min(last_seq, left_seq)), and without the messages
   * they deleted for them (the page is filled with the ones they see). Empty when they are no
   * member (now or before) of the conversation, as when there is nothing there for them.
   */
  memberHistory(
    userId: string,
    conversationId: string,
    q: { before?: number; after?: number; limit: number },
  ): Promise<{ items: Message[]; hasMore: boolean }>
  /** Messages in the seq range whose mod_seq is after `modSeq`, ascending by mod_seq. */
  changedSince(
    conversationId: string,
    q: { modSeq: number; limit: number; minSeq: number; maxSeq: number },
  ): Promise<{ items: Message[]; hasMore: boolean }>
  findBySeq(conversationId: string, seq: number): Promise<Message | null>
  /**
   * Replaces a text message's content, bumping the conversation's mod_seq in the same
   * transaction and stamping it on the message. Null when missing or recalled.
   */
  edit(
    conversationId: string,
    seq: number,
    content: Record<string, unknown>,
    now: number,
  ): Promise<{ message: Message; membershipVersion: number } | null>
  /** Empties a message (a placeholder stays), bumping mod_seq. Null when missing or already recalled. */
  recall(conversationId: string, seq: number, now: number): Promise<{ message: Message; membershipVersion: number } | null>
  /**
   * Members who may see `seq` and have read it (read_seq >= seq): the count, and up to
   * `limit` of their ids (ordered by user id).
   */
  readers(conversationId: string, seq: number, limit: number): Promise<{ count: number; userIds: string[] }>
}
