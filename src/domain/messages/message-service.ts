import type { Logger } from 'pino'
import type { Broker } from '../../broker/broker.js'
import type { Clock } from '../../shared/clock.js'
import type { AppendMessage } from '../../store/message-store.js'
import type { Store } from '../../store/store.js'
import { visibleRange, type ConversationService } from '../conversations/conversation-service.js'
import type { ConversationSummary } from '../conversations/conversation.js'
import type { WorldSettings } from '../conversations/world-settings.js'
import type { MediaHook } from '../files/media-content.js'
import { AppError } from '../errors.js'
import type { Message } from './message.js'
import { validateContent } from './message-content.js'
import { messageCreatedEvent } from './message-events.js'

/** Checks a send against a rate; throws AppError('rate_limited') when over. Off when limits are disabled. */
export type SendLimiter = (userId: string, conversationKind: 'direct' | 'group' | 'world') => Promise<void>

export interface MessageServiceDeps {
  store: Store
  broker: Broker
  clock: Clock
  logger: Logger
  conversations: ConversationService
  world: WorldSettings
  limits: { maxTextLength: number }
  limiter: SendLimiter
  onStored: () => void
  /** media messages: fills content from the sender's upload, then records the message's file ref */
  media?: MediaHook
}

export interface SendInput {
  clientMsgId: string
  type: string
  content: unknown
}

/**
 * The one send path: authorize -> validate -> limit -> store (seq assigned atomically,
 * idempotent on clientMsgId) -> publish through the broker. Persist, then publish.
 */
export class MessageService {
  readonly #d: MessageServiceDeps

  constructor(deps: MessageServiceDeps) {
    this.#d = deps
  }

  async send(userId: string, conversationId: string, input: SendInput): Promise<{ message: Message; created: boolean }> {
    // authorize -> validate -> limit, then the one store-and-publish step
    const summary = await this.#d.conversations.summary(conversationId, userId)
    const validated = validateContent(input.type, input.content, this.#d.limits)
    await this.#authorize(userId, summary, validated)
    const content = this.#d.media ? await this.#d.media.resolve(userId, input.type, validated) : validated
    await this.#d.limiter(userId, summary.conversation.kind)
    return this.#storeAndPublish({
      conversationId,
      senderId: userId,
      clientMsgId: input.clientMsgId,
      type: input.type as Message['type'],
      content,
    })
  }

  /** Posts a message on the server's initiative as `senderId` (friend greetings), skipping the user-facing limits. */
  async postAs(senderId: string, conversationId: string, text: string, clientMsgId: string): Promise<Message> {
    const { message } = await this.#storeAndPublish({ conversationId, senderId, clientMsgId, type: 'text', content: { text } })
    return message
  }

  /** Persist, then publish: the one place a message is stored and announced. */
  async #storeAndPublish(input: Omit<AppendMessage, 'now'> & { senderId: string }): Promise<{ message: Message; created: boolean }> {
    const { message, created, membershipVersion } = await this.#d.store.messages.append({ ...input, now: this.#d.clock.now() })
    // after the append and before the publish, so recipients can fetch the file; repeated on a
    // retry (created: false), which repairs a ref lost to a crash in between
    await this.#d.media?.attach(message)
    if (created) {
      this.#d.onStored()
      this.#d.logger.info(
        {
          event: 'message.stored',
          conversationId: message.conversationId,
          seq: message.seq,
          messageId: message.id,
          senderId: input.senderId,
          type: message.type,
        },
        'message stored',
      )
      await this.#d.broker.publish(messageCreatedEvent(message, membershipVersion))
    }
    return { message, created }
  }

  async history(
    userId: string,
    conversationId: string,
    q: { before?: number; after?: number; limit: number },
  ): Promise<{ items: Message[]; hasMore: boolean }> {
    const summary = await this.#d.conversations.summary(conversationId, userId)
    const range = visibleRange(summary)
    if (range.maxSeq < range.minSeq) return { items: [], hasMore: false }
    return this.#d.store.messages.history(conversationId, { ...q, ...range })
  }

  async changedSince(userId: string, conversationId: string, modSeq: number, limit: number) {
    const summary = await this.#d.conversations.summary(conversationId, userId)
    const range = visibleRange(summary)
    const page = await this.#d.store.messages.changedSince(conversationId, { modSeq, limit, ...range })
    return { ...page, modSeq: summary.conversation.modSeq }
  }

  async #authorize(userId: string, s: ConversationSummary, content: Record<string, unknown>): Promise<void> {
    const now = this.#d.clock.now()
    if (s.membership.leftSeq !== null) throw new AppError('conversation.not_found')
    switch (s.conversation.kind) {
      case 'direct': {
        const peerId = s.peerId!
        if (await this.#d.store.friends.isBlockedEitherWay(userId, peerId)) throw new AppError('message.blocked')
        if (!(await this.#d.store.friends.areFriends(userId, peerId))) throw new AppError('message.not_friends')
        return
      }
      case 'group': {
        const privileged = s.membership.role === 'owner' || s.membership.role === 'admin'
        // the owner may mute an admin (rank rule), so only the owner is beyond a personal mute
        if (s.membership.silencedUntil !== null && s.membership.silencedUntil > now && s.membership.role !== 'owner')
          throw new AppError('message.muted')
        if (s.group?.muteAll && !privileged) throw new AppError('message.group_muted')
        const mentions = content.mentions as string[] | undefined
        if (mentions?.includes('all') && !privileged) throw new AppError('message.mention_all_forbidden')
        return
      }
      case 'world': {
        if (!(await this.#d.world.isOpen())) throw new AppError('message.world_closed')
        if (await this.#d.world.mutedUntil(userId, now)) throw new AppError('message.muted')
        if ((content.mentions as string[] | undefined)?.includes('all')) throw new AppError('message.mention_all_forbidden')
        return
      }
    }
  }
}
