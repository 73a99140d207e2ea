import type { Store } from '../store.js'
import { visibleRange, type ConversationService } from '../conversations/conversation-service.js'
import { AppError } from '../errors.js'

/**
 * A message a current member may act on (edit, recall, react, pin...): in their visible range
 * (from join or last clear), in a conversation they have not left. Else 404, whether the
 * message does not exist or is not theirs to see.
 */
export async function visibleMessage(
  deps: { store: Store; conversations: ConversationService },
  userId: string,
  conversationId: string,
  seq: number,
) {
  const s = await deps.conversations.summary(conversationId, userId)
  if (s.membership.leftSeq !== null) throw new AppError('conversation.not_found')
  const range = visibleRange(s)
  const message = seq >= range.minSeq && seq <= range.maxSeq ? await deps.store.messages.findBySeq(conversationId, seq) : null
  if (!message) throw new AppError('message.not_found')
  return { message, membership: s.membership, kind: s.conversation.kind }
}
