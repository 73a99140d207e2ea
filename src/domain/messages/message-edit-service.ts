import type { Membership } from '../conversations/conversation.js'
import { AppError } from '../errors.js'
import type { Message } from './message.js'
import { validateContent } from './message-content.js'
import type { StickerSet } from '../stickers/sticker-set.js'
import { messageView } from './message-view.js'
import { checkSendPolicy } from './send-policy.js'
import { visibleMessage, type MessageActionDeps } from './visible-message.js'

/** edits change text only: no sticker id is valid in one */
const NO_STICKERS: StickerSet = { name: '', stickers: [], svgs: new Map() }
const RANK: Record<Membership['role'], number> = { owner: 3, admin: 2, member: 1 }

/**
 * Edits and recalls: both bump the conversation's modSeq so clients catch up through
 * `resume` or `changedSince`, and both are pushed to current members.
 */
export interface MessageEditDeps extends MessageActionDeps {
  editWindowMs: number
  recallWindowMs: number
  maxTextLength: number
}

export class MessageEditService {
  readonly #d: MessageEditDeps

  constructor(deps: MessageEditDeps) {
    this.#d = deps
  }

  /** Edits one's own text message within the edit window. */
  async edit(userId: string, conversationId: string, seq: number, content: unknown): Promise<Message> {
    const { message } = await this.#visibleMessage(userId, conversationId, seq)
    if (message.senderId !== userId || message.type !== 'text' || message.recalledAt) throw new AppError('message.not_editable')
    if (this.#d.clock.now() - message.createdAt > this.#d.editWindowMs) throw new AppError('message.edit_window')
    const normalized = validateContent('text', content, { maxTextLength: this.#d.maxTextLength, stickers: NO_STICKERS })
    await this.#mayPost(userId, conversationId, normalized)
    const changed = await this.#d.store.messages.edit(conversationId, seq, normalized, this.#d.clock.now())
    if (!changed) throw new AppError('message.not_editable')
    this.#d.logger.info(
      { event: 'message.edited', conversationId, seq, messageId: message.id, userId, modSeq: changed.message.modSeq },
      'message edited',
    )
    await this.#publish('message.updated', changed.message, changed.membershipVersion)
    return changed.message
  }

  /**
   * Recalls a message: one's own within the recall window, or, in groups, anyone's of lower
   * rank at any time (owner > admin > member).
   */
  async recall(userId: string, conversationId: string, seq: number): Promise<Message> {
    const { message, membership, kind } = await this.#visibleMessage(userId, conversationId, seq)
    if (message.recalledAt) return message
    if (message.senderId === userId) {
      if (this.#d.clock.now() - message.createdAt > this.#d.recallWindowMs) throw new AppError('message.recall_window')
    } else {
      if (kind !== 'group' || membership.role === 'member') throw new AppError('message.forbidden')
      const sender = message.senderId ? await this.#d.store.conversations.membership(conversationId, message.senderId) : null
      const senderRank = sender ? RANK[sender.role] : 0
      if (message.type === 'system' || senderRank >= RANK[membership.role]) throw new AppError('group.rank')
    }
    await this.#mayPost(userId, conversationId, null)
    const changed = await this.#d.store.messages.recall(conversationId, seq, this.#d.clock.now())
    if (!changed) return (await this.#d.store.messages.findBySeq(conversationId, seq))!
    this.#d.logger.info(
      {
        event: 'message.recalled',
        conversationId,
        seq,
        messageId: message.id,
        userId,
        senderId: message.senderId,
        modSeq: changed.message.modSeq,
      },
      'message recalled',
    )
    await this.#publish('message.recalled', changed.message, changed.membershipVersion)
    return changed.message
  }

  /** The send rules for the new text (or a recall), then the edit rate. */
  async #mayPost(userId: string, conversationId: string, content: Record<string, unknown> | null): Promise<void> {
    checkSendPolicy(await this.#d.facts.load(conversationId, userId), content, this.#d.clock.now())
    await this.#d.limiter(userId)
  }

  #visibleMessage(userId: string, conversationId: string, seq: number) {
    return visibleMessage(this.#d, userId, conversationId, seq)
  }

  async #publish(type: 'message.updated' | 'message.recalled', message: Message, membershipVersion: number): Promise<void> {
    await this.#d.broker.publish({
      kind: 'push',
      route: { conversationId: message.conversationId, membershipVersion },
      event: { type, message: messageView(message) },
    })
  }
}
