import type { Logger } from 'pino'
import type { Clock } from '../../shared/clock.js'
import type { Broker } from '../broker.js'
import type { Store } from '../store.js'
import { visibleRange, type ConversationService } from '../conversations/conversation-service.js'
import type { SendFactsCache } from '../conversations/send-facts-cache.js'
import { AppError } from '../errors.js'

/** What every action on an existing message (edit, recall, react, pin) needs. */
export interface MessageActionDeps {
  store: Store
  broker: Broker
  clock: Clock
  logger: Logger
  conversations: ConversationService
  /** the send policy's facts: actions on messages follow the send rules (blocked, muted, world closed...) */
  facts: SendFactsCache
  /** this kind of action per user; throws AppError('rate_limited') */
  limiter: (userId: string) => Promise<void>
}

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
