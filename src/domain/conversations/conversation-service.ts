import type { Logger } from 'pino'
import type { Broker } from '../broker.js'
import type { Clock } from '../../shared/clock.js'
import { isId } from '../../shared/ids.js'
import type { Store } from '../store.js'
import type { RemovedFriendship } from '../friends/friend.js'
import { AppError } from '../errors.js'
import type { Pin } from '../messages/pin-store.js'
import { toPublicUser, type PublicUser } from '../users/user.js'
import { unreadCount, visibleLastSeq, type Conversation, type ConversationSummary } from './conversation.js'
import { conversationView, type ConversationView } from './conversation-view.js'

/** The seqs a member may read: from join (or after a clear) to leave. */
export function visibleRange(s: ConversationSummary): { minSeq: number; maxSeq: number } {
  return {
    minSeq: Math.max(s.membership.joinSeq, s.membership.clearedSeq + 1),
    maxSeq: visibleLastSeq(s.conversation, s.membership),
  }
}

/** Conversations as one user sees them: list, open, pin/mute, read, clear. */
export class ConversationService {
  readonly #store: Store
  readonly #broker: Broker
  readonly #clock: Clock
  readonly #logger: Logger

  constructor(deps: { store: Store; broker: Broker; clock: Clock; logger: Logger }) {
    this.#store = deps.store
    this.#broker = deps.broker
    this.#clock = deps.clock
    this.#logger = deps.logger
  }

  /** The caller's summary of a conversation they belong to (now or before), without its last message; else 404. */
  async summary(
    conversationId: string,
    userId: string,
    options: { withLastMessage?: boolean } = { withLastMessage: false },
  ): Promise<ConversationSummary> {
    const s = isId(conversationId) ? await this.#store.conversations.summaryFor(conversationId, userId, options) : null
    if (!s) throw new AppError('conversation.not_found')
    return s
  }

  async list(userId: string, limit: number, cursor: string | null): Promise<{ items: ConversationView[]; nextCursor: string | null }> {
    const page = await this.#store.conversations.listForUser(userId, limit, cursor)
    return { items: await this.views(page.items), nextCursor: page.nextCursor }
  }

  async get(conversationId: string, userId: string): Promise<ConversationView> {
    return (await this.views([await this.summary(conversationId, userId, { withLastMessage: true })]))[0]!
  }

  /** Opens (creating on first use) the direct conversation with a friend, or an existing one. */
  async openDirect(userId: string, peerId: string): Promise<ConversationView> {
    if (!isId(peerId) || peerId === userId) throw new AppError('user.not_found')
    const peer = await this.#store.users.findById(peerId)
    if (!peer || peer.state !== 'active') throw new AppError('user.not_found')
    let conversation = await this.#store.conversations.findDirect(userId, peerId)
    if (!conversation) {
      if (await this.#store.friends.isBlockedEitherWay(userId, peerId)) throw new AppError('message.blocked')
      if (!(await this.#store.friends.areFriends(userId, peerId))) throw new AppError('message.not_friends')
      conversation = await this.#store.conversations.getOrCreateDirect(userId, peerId, this.#clock.now())
      this.#logger.info(
        { event: 'conversation.created', conversationId: conversation.id, kind: 'direct', userIds: [userId, peerId] },
        'direct conversation created',
      )
    }
    return this.get(conversation.id, userId)
  }

  /**
   * The world conversation. Every user joins it at registration (`joinWorld`); joining here too
   * repairs an account whose registration-time join failed.
   */
  async world(userId: string): Promise<ConversationView> {
    const { conversation } = await this.joinWorld(userId)
    return this.get(conversation.id, userId)
  }

  /** Makes the user a world member (idempotent): pushes of the world reach them from now on. */
  async joinWorld(userId: string): Promise<{ conversation: Conversation }> {
    return this.#store.conversations.joinWorld(userId, this.#clock.now())
  }

  async updatePrefs(
    userId: string,
    sessionId: string,
    conversationId: string,
    prefs: { pinned?: boolean; muted?: boolean },
  ): Promise<ConversationView> {
    await this.summary(conversationId, userId)
    await this.#store.conversations.updatePrefs(conversationId, userId, prefs, this.#clock.now())
    return this.#tellMyOtherDevices(userId, sessionId, conversationId)
  }

  async clearHistory(userId: string, sessionId: string, conversationId: string): Promise<void> {
    await this.summary(conversationId, userId)
    const clearedSeq = await this.#store.conversations.clearHistory(conversationId, userId, this.#clock.now())
    this.#logger.info({ event: 'conversation.cleared', conversationId, userId, clearedSeq }, 'history cleared for user')
    await this.#tellMyOtherDevices(userId, sessionId, conversationId)
  }

  /** The user's other devices get the conversation as it now is (`conversation.updated`). */
  async #tellMyOtherDevices(userId: string, sessionId: string, conversationId: string): Promise<ConversationView> {
    const view = await this.get(conversationId, userId)
    await this.#broker.publish({
      kind: 'push',
      route: { users: [userId] },
      exceptSessionId: sessionId,
      event: { type: 'conversation.updated', conversation: view },
    })
    return view
  }

  /**
   * A friendship ended: the remover's copy of the direct history is cleared when they asked for
   * it, and the friend's too when they asked for both; each cleared side's devices are told.
   */
  async friendshipEnded(removed: RemovedFriendship): Promise<void> {
    if (!removed.deleteHistory) return
    const conversation = await this.#store.conversations.findDirect(removed.userId, removed.friendId)
    if (!conversation) return
    for (const userId of removed.forBoth ? [removed.userId, removed.friendId] : [removed.userId]) {
      const clearedSeq = await this.#store.conversations.clearHistory(conversation.id, userId, this.#clock.now())
      this.#logger.info(
        { event: 'conversation.cleared', conversationId: conversation.id, userId, clearedSeq, by: removed.userId },
        'history cleared on friend removal',
      )
      await this.#tellMyOtherDevices(userId, '', conversation.id)
    }
  }

  /** Views for summaries, with peers' public profiles and the pins in one lookup each (pins only within each visible range). */
  async views(summaries: ConversationSummary[]): Promise<ConversationView[]> {
    const peerIds = summaries.map((s) => s.peerId).filter((id): id is string => id !== null)
    const peers = new Map<string, PublicUser>((await this.#store.users.findByIds(peerIds)).map((u) => [u.id, toPublicUser(u)]))
    const pins = new Map<string, Pin[]>()
    for (const p of await this.#store.pins.list(summaries.map((s) => s.conversation.id))) {
      pins.set(p.conversationId, [...(pins.get(p.conversationId) ?? []), p])
    }
    const mentions = await this.#mentionCounts(summaries)
    return summaries.map((s) => {
      const range = visibleRange(s)
      const visiblePins = (pins.get(s.conversation.id) ?? []).filter((p) => p.seq >= range.minSeq && p.seq <= range.maxSeq)
      const peer = s.peerId ? (peers.get(s.peerId) ?? null) : null
      const unread = unreadCount(s.conversation, s.membership)
      return conversationView(
        s,
        peer,
        unread,
        visiblePins,
        unread > 0 ? (mentions.get(s.membership.userId)?.get(s.conversation.id) ?? 0) : 0,
      )
    })
  }

  /** Per member, per conversation: unread messages that mention them or @all (the @ badge). */
  async #mentionCounts(summaries: ConversationSummary[]): Promise<Map<string, Map<string, number>>> {
    const byUser = new Map<string, Array<{ conversationId: string; afterSeq: number; maxSeq: number }>>()
    for (const s of summaries) {
      if (unreadCount(s.conversation, s.membership) === 0) continue
      const m = s.membership
      const range = {
        conversationId: s.conversation.id,
        afterSeq: Math.max(m.readSeq, m.clearedSeq, m.joinSeq - 1),
        maxSeq: visibleRange(s).maxSeq,
      }
      byUser.set(m.userId, [...(byUser.get(m.userId) ?? []), range])
    }
    const counts = new Map<string, Map<string, number>>()
    for (const [userId, ranges] of byUser) counts.set(userId, await this.#store.mentions.unreadCounts(userId, ranges))
    return counts
  }
}
