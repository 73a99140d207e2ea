import type { Message, ClientMessageType } from '../messages/message.js'

/** What a search asks the store for; the query and filters are already checked by the domain. */
export interface MessageSearchQuery {
  /** whose visible messages: in each conversation, from join (or after the last clear) to leave */
  userId: string
  /** the text to find as a substring, case-insensitively; 2 characters or more */
  text: string
  conversationId?: string
  senderId?: string
  /** any of these types (all client types when absent) */
  types?: readonly ClientMessageType[]
  /** createdAt bounds in epoch ms, inclusive */
  from?: number
  to?: number
  /** only messages with a smaller id than this one (the previous page's last) */
  beforeId?: string
  limit: number
}

/** Message search (issue 18). */
export interface MessageSearchStore {
  /**
   * Messages whose text (or file name) contains `text`, that `userId` may see: in a conversation
   * they belong or belonged to, with `seq` from their join seq (after their cleared seq) up to their
   * leave seq; never a recalled or system message, nor one they deleted for themselves (hidden). Newest first (by message id, a ULID), at most
   * `limit`, with whether more follow.
   */
  search(q: MessageSearchQuery): Promise<{ items: Message[]; hasMore: boolean }>
}
