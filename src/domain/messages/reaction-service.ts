import type { ReactionChange } from './reaction-store.js'
import { AppError } from '../errors.js'
import type { Message } from './message.js'
import { messageView } from './message-view.js'
import { checkSendPolicy } from './send-policy.js'
import { visibleMessage, type MessageActionDeps } from './visible-message.js'

/** How many reactor ids each emoji's summary on the message carries (the rest: `users()`). */
export const SHOWN_REACTORS = 10

const EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v')
/** longest emoji sequence accepted (family and flag sequences are ~20 UTF-16 units) */
const MAX_EMOJI_LENGTH = 32

/**
 * One emoji, as stored: an RGI emoji sequence, with the emoji presentation selector added where
 * the bare character is a text-style symbol (❤ → ❤️), so both spellings count as one reaction.
 */
export function normalizeEmoji(input: string): string {
  if (input.length > 0 && input.length <= MAX_EMOJI_LENGTH) {
    if (EMOJI.test(input)) return input
    if (EMOJI.test(input + '\uFE0F')) return input + '\uFE0F'
  }
  throw new AppError('reaction.invalid_emoji')
}

export interface ReactionDeps extends MessageActionDeps {
  maxEmojis: number
  maxPerUser: number
}

/**
 * Emoji reactions on messages. Any member who may post in the conversation and see the message
 * may react; each change bumps the conversation's modSeq and reaches every member's devices as
 * `message.reaction` (authorized per recipient like edits: current members who joined at or
 * before the message).
 */
export class ReactionService {
  readonly #d: ReactionDeps

  constructor(deps: ReactionDeps) {
    this.#d = deps
  }

  async add(userId: string, conversationId: string, seq: number, rawEmoji: string): Promise<Message> {
    const emoji = normalizeEmoji(rawEmoji)
    await this.#mayReact(userId, conversationId, seq)
    const limits = { maxEmojis: this.#d.maxEmojis, maxPerUser: this.#d.maxPerUser, shownUsers: SHOWN_REACTORS }
    const change = await this.#d.store.reactions.add({ conversationId, seq, userId, emoji, now: this.#d.clock.now(), limits })
    return this.#settle(change, userId, emoji, true)
  }

  async remove(userId: string, conversationId: string, seq: number, rawEmoji: string): Promise<Message> {
    const emoji = normalizeEmoji(rawEmoji)
    await this.#mayReact(userId, conversationId, seq)
    const now = this.#d.clock.now()
    const change = await this.#d.store.reactions.remove({ conversationId, seq, userId, emoji, now, shownUsers: SHOWN_REACTORS })
    return this.#settle(change, userId, emoji, false)
  }

  /** Who reacted to a visible message with one emoji, paged by user id. */
  async users(userId: string, conversationId: string, seq: number, rawEmoji: string, limit: number, cursor: string | null) {
    const emoji = normalizeEmoji(rawEmoji)
    await visibleMessage(this.#d, userId, conversationId, seq)
    return this.#d.store.reactions.users({ conversationId, seq, emoji, limit, after: cursor })
  }

  async #mayReact(userId: string, conversationId: string, seq: number): Promise<void> {
    const { message } = await visibleMessage(this.#d, userId, conversationId, seq)
    if (message.recalledAt !== null) throw new AppError('reaction.recalled')
    checkSendPolicy(await this.#d.facts.load(conversationId, userId), null, this.#d.clock.now())
    await this.#d.limiter(userId)
  }

  async #settle(change: ReactionChange, userId: string, emoji: string, added: boolean): Promise<Message> {
    switch (change.kind) {
      case 'missing':
        throw new AppError('message.not_found')
      case 'recalled':
        throw new AppError('reaction.recalled')
      case 'message_limit':
        throw new AppError('reaction.message_limit', undefined, { details: { max: this.#d.maxEmojis } })
      case 'user_limit':
        throw new AppError('reaction.user_limit', undefined, { details: { max: this.#d.maxPerUser } })
      case 'unchanged':
        return change.message
      case 'changed': {
        const { message, membershipVersion } = change
        this.#d.logger.info(
          {
            event: added ? 'message.reaction_added' : 'message.reaction_removed',
            conversationId: message.conversationId,
            seq: message.seq,
            messageId: message.id,
            userId,
            emoji,
            modSeq: message.modSeq,
          },
          added ? 'reaction added' : 'reaction removed',
        )
        await this.#d.broker.publish({
          kind: 'push',
          route: { conversationId: message.conversationId, membershipVersion },
          event: { type: 'message.reaction', message: messageView(message), userId, emoji, added },
        })
        return message
      }
    }
  }
}
