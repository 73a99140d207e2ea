import type { Logger } from 'pino'
import type { Broker } from '../broker.js'
import type { Clock } from '../../shared/clock.js'
import type { AppendMessage } from './message-store.js'
import type { Store } from '../store.js'
import type { AcceptedRequest } from '../friends/friend.js'
import { visibleRange, type ConversationService } from '../conversations/conversation-service.js'
import type { SendFactsCache } from '../conversations/send-facts-cache.js'
import type { MediaHook } from '../files/media-content.js'
import { AppError } from '../errors.js'
import { isId } from '../../shared/ids.js'
import type { Message } from './message.js'
import type { ConversationKind } from '../conversations/conversation.js'
import { validateContent, type ContentRules } from './message-content.js'
import { messageCreatedEvent } from './message-events.js'
import { withoutHidden } from './hide-service.js'
import { checkSendPolicy, type SendFacts } from './send-policy.js'

/** Who a text message mentions, as stored for the @ badge: user ids, and `*` for @all. */
export function mentionedIds(message: Pick<Message, 'type' | 'content'>): string[] {
  const list = message.type === 'text' ? message.content.mentions : undefined
  if (!Array.isArray(list)) return []
  return [...new Set(list.flatMap((x) => (x === 'all' ? ['*'] : typeof x === 'string' && isId(x) ? [x] : [])))]
}

/** Checks a send against a rate; throws AppError('rate_limited') when over. Off when limits are disabled. */
export type SendLimiter = (userId: string, conversationKind: 'direct' | 'group' | 'world') => Promise<void>

export interface MessageServiceDeps {
  store: Store
  broker: Broker
  clock: Clock
  logger: Logger
  conversations: ConversationService
  /** authorization facts, cached per conversation and user */
  facts: SendFactsCache
  limits: ContentRules
  limiter: SendLimiter
  /** a new message was stored (once, on this instance): metrics, push notifications */
  onStored: (message: Message) => void
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
    // authorize -> validate -> limit, then the one store-and-publish step; the facts come from
    // the cache and the store checks their version inside the send transaction
    let facts = await this.#d.facts.get(conversationId, userId)
    const validated = validateContent(input.type, input.content, this.#d.limits)
    facts = await this.#authorize(facts, validated)
    const content = this.#d.media ? await this.#d.media.resolve(userId, input.type, validated) : validated
    await this.#d.limiter(userId, facts.kind)
    return this.#post(facts, { clientMsgId: input.clientMsgId, type: input.type as Message['type'], content }, validated)
  }

  /**
   * Charges the send limits for `count` server-built messages to a conversation of `kind` (a
   * forward's copies, charged for every target before any is stored); throws rate_limited.
   */
  async chargeSends(userId: string, kind: ConversationKind, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.#d.limiter(userId, kind)
  }

  /**
   * A message whose content the server built (a forward's copy), its send limit already charged
   * (`chargeSends`): the send rules and the one store-and-publish step, without the client-content checks.
   */
  async sendPrepared(
    userId: string,
    conversationId: string,
    input: { clientMsgId: string; type: Message['type']; content: Record<string, unknown> },
  ): Promise<{ message: Message; created: boolean }> {
    const facts = await this.#authorize(await this.#d.facts.get(conversationId, userId), input.content)
    return this.#post(facts, input, input.content)
  }

  async #post(
    facts: SendFacts,
    input: { clientMsgId: string; type: Message['type']; content: Record<string, unknown> },
    validated: Record<string, unknown>,
  ): Promise<{ message: Message; created: boolean }> {
    const { conversationId, userId } = facts
    const message = { conversationId, senderId: userId, ...input }
    for (;;) {
      const stored = await this.#storeAndPublish(message, facts.version)
      if (stored) return stored
      // a fact changed since it was cached (its version moved): check again with fresh facts
      facts = await this.#d.facts.load(conversationId, userId)
      checkSendPolicy(facts, validated, this.#d.clock.now())
    }
  }

  /** Checks the policy; a refusal from cached facts is confirmed with fresh ones first. */
  async #authorize(facts: SendFacts, content: Record<string, unknown>): Promise<SendFacts> {
    try {
      checkSendPolicy(facts, content, this.#d.clock.now())
      return facts
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      const fresh = await this.#d.facts.load(facts.conversationId, facts.userId)
      checkSendPolicy(fresh, content, this.#d.clock.now())
      return fresh
    }
  }

  /**
   * An accepted friend request's greeting becomes the first direct message, from the requester,
   * skipping the user-facing limits; once per request (its id is the idempotency key).
   */
  async postGreeting(request: AcceptedRequest): Promise<void> {
    if (!request.greeting) return
    const { store, clock } = this.#d
    const direct = await store.conversations.getOrCreateDirect(request.fromUserId, request.toUserId, clock.now())
    await this.#storeAndPublish({
      conversationId: direct.id,
      senderId: request.fromUserId,
      clientMsgId: `greeting:${request.id}`,
      type: 'text',
      content: { text: request.greeting },
    })
  }

  /** Persist, then publish: the one place a message is stored and announced. */
  async #storeAndPublish(
    input: Omit<AppendMessage, 'now'> & { senderId: string },
    expectedVersion?: number,
  ): Promise<{ message: Message; created: boolean } | null> {
    // mention rows go into the send transaction: a crash after it cannot lose the @ badge
    const mentions = mentionedIds(input)
    const row = { ...input, now: this.#d.clock.now(), ...(mentions.length > 0 && { mentions }) }
    const appended =
      expectedVersion === undefined
        ? await this.#d.store.messages.append(row)
        : await this.#d.store.messages.appendChecked(row, expectedVersion)
    if (appended === 'stale') return null
    const { message, created, membershipVersion } = appended
    // after the append and before the publish, so recipients can fetch the file; repeated on a
    // retry (created: false), which repairs a ref lost to a crash in between
    await this.#d.media?.attach(message)
    if (created) {
      this.#d.onStored(message)
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
    // one statement: the page within my visible range (read with it), without what I deleted for me
    if (isId(conversationId)) {
      const page = await this.#d.store.messages.memberHistory(userId, conversationId, q)
      if (page.items.length > 0) return page
    }
    // nothing: no member (404), or nothing there for me
    await this.#d.conversations.summary(conversationId, userId)
    return { items: [], hasMore: false }
  }

  async changedSince(userId: string, conversationId: string, modSeq: number, limit: number) {
    const summary = await this.#d.conversations.summary(conversationId, userId)
    const range = visibleRange(summary)
    const page = await this.#d.store.messages.changedSince(conversationId, { modSeq, limit, ...range })
    const hidden = await this.#d.store.hidden.hiddenSince(userId, conversationId, { modSeq, limit, ...range })
    const items = await withoutHidden(this.#d.store, userId, conversationId, page.items)
    return {
      items,
      hasMore: page.hasMore || hidden.length >= limit,
      hiddenSeqs: hidden.map((h) => h.seq),
      modSeq: summary.conversation.modSeq,
    }
  }
}
