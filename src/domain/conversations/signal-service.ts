import type { Broker } from '../broker.js'
import type { Clock } from '../../shared/clock.js'
import { isId } from '../../shared/ids.js'
import type { Store } from '../store.js'
import { AppError } from '../errors.js'
import type { Route, UserEvent } from '../events.js'
import { visibleLastSeq, type ConversationSummary } from './conversation.js'
import { Coalescer } from './coalescer.js'
import type { ConversationService } from './conversation-service.js'

/** Groups above this size get receipts and typing coalesced, and only counts of readers. */
export const LARGE_GROUP = 50
const TYPING_THROTTLE_MS = 3000
const COALESCE_MS = 1000
/** How long routing facts of a conversation serve read marks (kind never changes; size and version only route). */
const FACTS_TTL_MS = 2000
const MAX_FACTS = 10_000

interface RouteFacts {
  conversationId: string
  kind: ConversationSummary['conversation']['kind']
  large: boolean
  membershipVersion: number
  /** direct chats: both users (a block between them is checked live, per receipt) */
  directPair: [string, string] | null
  until: number
}

/**
 * Read receipts and typing: never stored (typing) or stored as one read_seq per member
 * (receipts), pushed only to people who may see the conversation now, coalesced in large
 * groups and absent from the world channel.
 */
export class SignalService {
  readonly #store: Store
  readonly #broker: Broker
  readonly #clock: Clock
  readonly #conversations: ConversationService
  readonly #lastTyping = new Map<string, number>()
  readonly #facts = new Map<string, RouteFacts>()
  readonly #reads: Coalescer<{ userId: string; seq: number }>
  readonly #typing: Coalescer<string>
  readonly #onReadMoved: (userId: string, conversationId: string, readSeq: number) => void

  constructor(deps: {
    store: Store
    broker: Broker
    clock: Clock
    conversations: ConversationService
    /** a read position moved (push notifications of that chat close on the reader's other devices) */
    onReadMoved?: (userId: string, conversationId: string, readSeq: number) => void
  }) {
    this.#onReadMoved = deps.onReadMoved ?? (() => {})
    this.#store = deps.store
    this.#broker = deps.broker
    this.#clock = deps.clock
    this.#conversations = deps.conversations
    this.#reads = new Coalescer(COALESCE_MS, (conversationId, reads) =>
      this.#publishToMembers(conversationId, { type: 'conversation.read', conversationId, reads }),
    )
    this.#typing = new Coalescer(COALESCE_MS, (conversationId, userIds) =>
      this.#publishToMembers(conversationId, { type: 'typing', conversationId, userIds }),
    )
  }

  /**
   * Marks read up to `seq` (never back, never past what the member may see) and tells whoever
   * should know. Hot path: one UPDATE; the facts needed to route the receipt (kind, size,
   * membership version) come from a short-lived cache, since the fan-out authorizes each
   * recipient against its own member cache anyway.
   */
  async markRead(userId: string, conversationId: string, seq: number): Promise<number> {
    const mark = isId(conversationId) ? await this.#store.conversations.markRead(conversationId, userId, seq, this.#clock.now()) : null
    if (!mark) {
      // never a member (or the world's lazily created row is missing): the summary answers 404 or the position
      return (await this.#conversations.summary(conversationId, userId)).membership.readSeq
    }
    if (mark.moved) {
      this.#onReadMoved(userId, conversationId, mark.readSeq)
      await this.#readMoved(await this.#routeFacts(conversationId, userId), userId, mark.readSeq)
    }
    return mark.readSeq
  }

  async #routeFacts(conversationId: string, userId: string): Promise<RouteFacts> {
    const now = this.#clock.now()
    const cached = this.#facts.get(conversationId)
    if (cached && cached.until > now) return cached
    const s = await this.#conversations.summary(conversationId, userId)
    const facts = {
      conversationId,
      kind: s.conversation.kind,
      large: isLarge(s),
      membershipVersion: s.conversation.membershipVersion,
      directPair: s.peerId !== null ? ([userId, s.peerId] as [string, string]) : null,
      until: now + FACTS_TTL_MS,
    }
    this.#facts.delete(conversationId)
    this.#facts.set(conversationId, facts)
    if (this.#facts.size > MAX_FACTS) this.#facts.delete(this.#facts.keys().next().value!)
    return facts
  }

  /** After a read_seq moved: the reader's devices at once; peers at once or coalesced, never across a block. */
  async #readMoved(f: RouteFacts, userId: string, seq: number): Promise<void> {
    const conversationId = f.conversationId
    const event = { type: 'conversation.read' as const, conversationId, userId, seq }
    const peerId = f.directPair?.find((id) => id !== userId)
    if (f.kind === 'world' || (peerId !== undefined && (await this.#store.friends.isBlockedEitherWay(userId, peerId)))) {
      await this.#broker.publish({ kind: 'push', route: { users: [userId] }, event })
    } else if (f.large) {
      await this.#broker.publish({ kind: 'push', route: { users: [userId] }, event })
      this.#reads.add(conversationId, userId, { userId, seq })
    } else {
      await this.#broker.publish({ kind: 'push', route: { conversationId, membershipVersion: f.membershipVersion }, event })
    }
  }

  /** A typing signal from a socket; throttled per user and conversation; none in the world channel. */
  async typing(userId: string, sessionId: string, conversationId: string): Promise<void> {
    const key = `${userId}:${conversationId}`
    const now = this.#clock.now()
    if (now - (this.#lastTyping.get(key) ?? 0) < TYPING_THROTTLE_MS) return
    this.#lastTyping.set(key, now)
    if (this.#lastTyping.size > 100_000) this.#lastTyping.clear()
    const s = await this.#conversations.summary(conversationId, userId)
    // a former member is refused like an outsider (as their sends are), not silently ignored
    if (s.membership.leftSeq !== null) throw new AppError('conversation.not_found')
    if (s.conversation.kind === 'world') return
    if (await this.#blockedDirect(s, userId)) throw new AppError('message.blocked')
    if (isLarge(s)) this.#typing.add(conversationId, userId, userId)
    else
      await this.#broker.publish({
        kind: 'push',
        route: this.#route(s),
        exceptSessionId: sessionId,
        event: { type: 'typing', conversationId, userId },
      })
  }

  /** Who has read message `seq`: everyone's ids in direct chats and small groups, a count in large ones. */
  async readers(userId: string, conversationId: string, seq: number): Promise<{ count: number; userIds: string[] | null }> {
    const s = await this.#conversations.summary(conversationId, userId)
    // who read what moves on after someone left: not theirs to follow
    if (s.membership.leftSeq !== null) throw new AppError('group.not_member')
    // a message from before they joined is not theirs to see, nor who read it (the history rule)
    if (seq < s.membership.joinSeq || seq > visibleLastSeq(s.conversation, s.membership)) throw new AppError('message.not_found')
    if (s.conversation.kind === 'world') return { count: 0, userIds: null }
    const large = isLarge(s)
    const { count, userIds } = await this.#store.messages.readers(conversationId, seq, large ? 0 : LARGE_GROUP)
    // across a block no read receipt reaches the other side, not even when asked for
    if (await this.#blockedDirect(s, userId)) {
      const mine = userIds.filter((id) => id === userId)
      return { count: mine.length, userIds: mine }
    }
    return { count, userIds: large ? null : userIds }
  }

  /**
   * How far the others in a conversation have read, for the client to show read ticks and "read by
   * N" after a reload: the peer of a direct chat, each member of a group up to LARGE_GROUP; null
   * (not given) for the world, larger groups and former members; nobody across a block.
   */
  async readPositions(userId: string, conversationId: string): Promise<Array<{ userId: string; seq: number }> | null> {
    const s = await this.#conversations.summary(conversationId, userId)
    if (s.membership.leftSeq !== null || s.conversation.kind === 'world' || isLarge(s)) return null
    if (await this.#blockedDirect(s, userId)) return []
    return this.#store.conversations.readPositions(conversationId, userId, LARGE_GROUP)
  }

  close(): void {
    this.#reads.close()
    this.#typing.close()
  }

  /** A direct chat across a block (either way): no signal reaches the other side. */
  async #blockedDirect(s: ConversationSummary, userId: string): Promise<boolean> {
    return s.conversation.kind === 'direct' && s.peerId !== null && (await this.#store.friends.isBlockedEitherWay(userId, s.peerId))
  }

  #route(s: ConversationSummary): Route {
    return { conversationId: s.conversation.id, membershipVersion: s.conversation.membershipVersion }
  }

  async #publishToMembers(conversationId: string, event: UserEvent): Promise<void> {
    const conversation = await this.#store.conversations.findById(conversationId)
    if (!conversation) return
    await this.#broker.publish({ kind: 'push', route: { conversationId, membershipVersion: conversation.membershipVersion }, event })
  }
}

function isLarge(s: ConversationSummary): boolean {
  return s.conversation.kind === 'group' && (s.group?.memberCount ?? 0) > LARGE_GROUP
}
