/** Message types a client may send; `system` is written by the server only. */
export const CLIENT_MESSAGE_TYPES = ['text', 'image', 'file', 'voice', 'video', 'location', 'sticker'] as const
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number]
export type MessageType = ClientMessageType | 'system'

export interface Message {
  id: string
  conversationId: string
  /** 1, 2, 3... per conversation, no gaps, assigned when stored */
  seq: number
  /** null for system messages */
  senderId: string | null
  clientMsgId: string
  type: MessageType
  /** the type's fields; empty object once recalled */
  content: Record<string, unknown>
  createdAt: number
  editedAt: number | null
  recalledAt: number | null
  /** the conversation's mod_seq at the last edit/recall/reaction; 0 if never changed */
  modSeq: number
  /** per emoji, in the order each was first used; empty when none (and once recalled) */
  reactions: ReactionSummary[]
}

/** One emoji's reactions on a message: the count and the first few reactors. */
export interface ReactionSummary {
  emoji: string
  count: number
  userIds: string[]
}

/** What a system message says happened (content of `type: 'system'`). */
export interface SystemContent {
  event: string
  [field: string]: unknown
}
