/** Message types a client may send; `system` is written by the server only. */
export const CLIENT_MESSAGE_TYPES = ['text', 'image', 'file', 'voice', 'video', 'location', 'sticker'] as const
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number]
/** `forward`: a merged forward (a chat history), written by the server from messages the sender could read. */
export type MessageType = ClientMessageType | 'system' | 'forward'

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

/** The files a message shows: its own, or those of a chat history's items. */
export function fileIdsOf(m: Pick<Message, 'type' | 'content'>): string[] {
  if (m.type === 'forward') {
    const items = Array.isArray(m.content.items) ? (m.content.items as Array<{ content?: { fileId?: unknown } }>) : []
    return items.flatMap((i) => (typeof i.content?.fileId === 'string' ? [i.content.fileId] : []))
  }
  return typeof m.content.fileId === 'string' ? [m.content.fileId] : []
}
