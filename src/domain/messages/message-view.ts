import { toIso } from '../../shared/clock.js'
import type { Message } from './message.js'

/** A message as clients see it, over HTTP and WebSocket alike. */
export function messageView(m: Message) {
  return {
    id: m.id,
    conversationId: m.conversationId,
    seq: m.seq,
    senderId: m.senderId,
    clientMsgId: m.clientMsgId,
    type: m.type,
    content: m.content,
    createdAt: toIso(m.createdAt)!,
    editedAt: toIso(m.editedAt),
    recalledAt: toIso(m.recalledAt),
    modSeq: m.modSeq,
    ...(m.reactions.length > 0 ? { reactions: m.reactions } : {}),
  }
}

export type MessageView = ReturnType<typeof messageView>
