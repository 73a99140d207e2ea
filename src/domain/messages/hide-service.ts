import { visibleRange } from '../conversations/conversation-service.js'
import { AppError } from '../errors.js'
import type { Message } from './message.js'
import type { MessageActionDeps } from './visible-message.js'

/**
 * Delete for me: a user hides one message on all their devices; the other members keep it.
 * The hide takes a conversation mod_seq, so the user's offline devices catch up through
 * `changedSince` (`hiddenSeqs`) and resume (`message.hidden`); live devices get `message.hidden`.
 */
export class HideService {
  readonly #d: MessageActionDeps

  constructor(deps: MessageActionDeps) {
    this.#d = deps
  }

  /** Hides a message the caller may see (a former member too: their history stays theirs to tidy). */
  async hide(userId: string, conversationId: string, seq: number): Promise<void> {
    const s = await this.#d.conversations.summary(conversationId, userId)
    const range = visibleRange(s)
    const message = seq >= range.minSeq && seq <= range.maxSeq ? await this.#d.store.messages.findBySeq(conversationId, seq) : null
    if (!message) throw new AppError('message.not_found')
    await this.#d.limiter(userId)
    const hidden = await this.#d.store.hidden.hide({ userId, conversationId, seq, now: this.#d.clock.now() })
    if (!hidden) return
    this.#d.logger.info({ event: 'message.hidden', conversationId, seq, userId, modSeq: hidden.modSeq }, 'message hidden for its user')
    await this.#d.broker.publish({
      kind: 'push',
      route: { users: [userId] },
      event: { type: 'message.hidden', conversationId, seq, modSeq: hidden.modSeq },
    })
  }
}

/** `items` without the messages `userId` hid (one indexed lookup per page). */
export async function withoutHidden<T extends Pick<Message, 'seq'>>(
  store: MessageActionDeps['store'],
  userId: string,
  conversationId: string,
  items: T[],
): Promise<T[]> {
  if (items.length === 0) return items
  const hidden = await store.hidden.hiddenAmong(
    userId,
    conversationId,
    items.map((m) => m.seq),
  )
  return hidden.size === 0 ? items : items.filter((m) => !hidden.has(m.seq))
}
