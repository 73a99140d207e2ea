import type { Message } from '../messages/message.js'

export type ConversationKind = 'direct' | 'group' | 'world'

export interface Conversation {
  id: string
  kind: ConversationKind
  /** direct: `minUserId:maxUserId` */
  pairKey: string | null
  groupId: string | null
  lastSeq: number
  modSeq: number
  membershipVersion: number
  lastMessageAt: number | null
  createdAt: number
}

/** One user's row in a conversation. They may see seqs in [joinSeq, leftSeq ?? ∞]. */
export interface Membership {
  conversationId: string
  userId: string
  role: 'owner' | 'admin' | 'member'
  joinSeq: number
  leftSeq: number | null
  readSeq: number
  clearedSeq: number
  pinned: boolean
  muted: boolean
  silencedUntil: number | null
}

/** A conversation as one member sees it in their list. */
export interface ConversationSummary {
  conversation: Conversation
  membership: Membership
  lastMessage: Message | null
  /** direct: the other user's id */
  peerId: string | null
  group: { id: string; name: string; avatarFileId: string | null; muteAll: boolean; memberCount: number } | null
}

export function pairKeyOf(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`
}

/** The last seq a member may see. */
export function visibleLastSeq(c: Pick<Conversation, 'lastSeq'>, m: Pick<Membership, 'leftSeq'>): number {
  return m.leftSeq == null ? c.lastSeq : Math.min(c.lastSeq, m.leftSeq)
}

/** Unread = what I may see beyond what I read or cleared. */
export function unreadCount(c: Pick<Conversation, 'lastSeq'>, m: Membership): number {
  const seen = Math.max(m.readSeq, m.clearedSeq, m.joinSeq - 1)
  return Math.max(0, visibleLastSeq(c, m) - seen)
}
