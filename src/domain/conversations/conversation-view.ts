import { toIso } from '../../shared/clock.js'
import { messageView } from '../messages/message-view.js'
import type { Pin } from '../messages/pin-store.js'
import type { PublicUser } from '../users/user.js'
import type { ConversationSummary } from './conversation.js'

/** A conversation as one member sees it, over HTTP and WebSocket alike. */
export function conversationView(
  s: ConversationSummary,
  peer: PublicUser | null,
  unread: number,
  pins: readonly Pin[] = [],
  mentionCount = 0,
) {
  const { conversation: c, membership: m } = s
  return {
    id: c.id,
    kind: c.kind,
    peer: c.kind === 'direct' ? peer : null,
    group: s.group ? { id: s.group.id, name: s.group.name, avatarFileId: s.group.avatarFileId } : null,
    lastSeq: c.lastSeq,
    modSeq: c.modSeq,
    readSeq: m.readSeq,
    unreadCount: unread,
    joinSeq: m.joinSeq,
    leftSeq: m.leftSeq,
    clearedSeq: m.clearedSeq,
    pinned: m.pinned,
    muted: m.muted,
    lastMessage: s.lastMessage ? messageView(s.lastMessage) : null,
    lastActivityAt: toIso(c.lastMessageAt ?? c.createdAt)!,
    ...(pins.length > 0 ? { pins: pins.map(pinView) } : {}),
    ...(mentionCount > 0 ? { mentionCount } : {}),
  }
}

/** A pin as clients see it (the message itself comes from `GET /conversations/{id}/pins`). */
export function pinView(p: Pin) {
  return { seq: p.seq, pinnedBy: p.pinnedBy, pinnedAt: toIso(p.pinnedAt)! }
}

export type ConversationView = ReturnType<typeof conversationView>
