import { visibleRange } from '../conversations/conversation-service.js'
import { AppError } from '../errors.js'
import type { Message } from './message.js'
import { messageCreatedEvent } from './message-events.js'
import type { Pin, PinChange } from './pin-store.js'
import { checkSendPolicy } from './send-policy.js'
import { visibleMessage, type MessageActionDeps } from './visible-message.js'

export interface PinDeps extends MessageActionDeps {
  maxPinned: number
}

/**
 * Pinned messages: group owners and admins pin (either side in a direct chat; nobody in the
 * world channel), up to `maxPinned` per conversation. Each pin and unpin leaves a system
 * message (`message_pinned` / `message_unpinned` with `seq` and `actorId`), which is how every
 * member's devices learn of it.
 */
export class PinService {
  readonly #d: PinDeps

  constructor(deps: PinDeps) {
    this.#d = deps
  }

  async pin(userId: string, conversationId: string, seq: number): Promise<Pin[]> {
    const message = await this.#mayPin(userId, conversationId, seq)
    if (message.recalledAt !== null) throw new AppError('pin.recalled')
    const now = this.#d.clock.now()
    const change = await this.#d.store.pins.pin({ conversationId, seq, actorId: userId, now, max: this.#d.maxPinned })
    if (change.kind === 'limit') throw new AppError('pin.limit', undefined, { details: { max: this.#d.maxPinned } })
    await this.#announce(change, userId, seq, 'message.pinned')
    return this.pins(userId, conversationId)
  }

  async unpin(userId: string, conversationId: string, seq: number): Promise<Pin[]> {
    await this.#mayPin(userId, conversationId, seq)
    const change = await this.#d.store.pins.unpin({ conversationId, seq, actorId: userId, now: this.#d.clock.now() })
    await this.#announce(change, userId, seq, 'message.unpinned')
    return this.pins(userId, conversationId)
  }

  /** The pins of a conversation the caller may see (inside their visible range), newest first. */
  async pins(userId: string, conversationId: string): Promise<Pin[]> {
    const s = await this.#d.conversations.summary(conversationId, userId)
    const range = visibleRange(s)
    return (await this.#d.store.pins.list([conversationId])).filter((p) => p.seq >= range.minSeq && p.seq <= range.maxSeq)
  }

  /** The pins with their messages, for the pinned bar. */
  async pinnedMessages(userId: string, conversationId: string): Promise<Array<Pin & { message: Message }>> {
    const pins = await this.pins(userId, conversationId)
    const items: Array<Pin & { message: Message }> = []
    for (const pin of pins) {
      const message = await this.#d.store.messages.findBySeq(conversationId, pin.seq)
      if (message) items.push({ ...pin, message })
    }
    return items
  }

  async #mayPin(userId: string, conversationId: string, seq: number): Promise<Message> {
    const { message, membership, kind } = await visibleMessage(this.#d, userId, conversationId, seq)
    if (kind === 'world' || (kind === 'group' && membership.role === 'member')) throw new AppError('pin.forbidden')
    checkSendPolicy(await this.#d.facts.load(conversationId, userId), null, this.#d.clock.now())
    await this.#d.limiter(userId)
    return message
  }

  async #announce(change: PinChange, userId: string, seq: number, event: string): Promise<void> {
    if (change.kind !== 'changed') return
    const { message, membershipVersion } = change
    this.#d.logger.info(
      { event, conversationId: message.conversationId, seq, userId, systemSeq: message.seq, messageId: message.id },
      event === 'message.pinned' ? 'message pinned' : 'message unpinned',
    )
    await this.#d.broker.publish(messageCreatedEvent(message, membershipVersion))
  }
}
