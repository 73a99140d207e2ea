import type { Store } from '../store.js'
import type { ClusterEvent } from '../events.js'
import type { SendFacts } from '../messages/send-policy.js'
import type { ConversationService } from './conversation-service.js'
import type { WorldSettings } from './world-settings.js'

const MAX_CONVERSATIONS = 10_000

/**
 * Authorization facts for sends, per conversation and user, so a warm send reads nothing.
 *
 * Correctness does not rest on eviction: every change of a fact bumps the conversation's
 * `membership_version` (membership, role and mutes in groups; blocks and friendship for the
 * direct conversation; world open/close and world mutes), and the send transaction compares
 * the version it bumps the counter under with the facts' version, so a stale acceptance is
 * rolled back and checked again with fresh facts; a refusal from cached facts is checked again
 * with fresh facts before it is answered. Broker events carrying a newer version evict early,
 * so that second look is rare.
 */
export class SendFactsCache {
  readonly #d: { store: Store; conversations: ConversationService; world: WorldSettings }
  readonly #byConversation = new Map<string, { version: number; users: Map<string, SendFacts> }>()

  constructor(deps: { store: Store; conversations: ConversationService; world: WorldSettings }) {
    this.#d = deps
  }

  /** Cached facts, or freshly read ones (throws conversation.not_found for strangers). */
  get(conversationId: string, userId: string): SendFacts | Promise<SendFacts> {
    return this.#byConversation.get(conversationId)?.users.get(userId) ?? this.load(conversationId, userId)
  }

  /** Reads the facts from the database and caches them. */
  async load(conversationId: string, userId: string): Promise<SendFacts> {
    const { store, conversations, world } = this.#d
    const s = await conversations.summary(conversationId, userId)
    const kind = s.conversation.kind
    const peerId = s.peerId
    const [blocked, friends] =
      kind === 'direct' && peerId
        ? await Promise.all([store.friends.isBlockedEitherWay(userId, peerId), store.friends.areFriends(userId, peerId)])
        : [false, false]
    const [worldOpen, worldMutedUntil] = kind === 'world' ? await Promise.all([world.isOpen(), world.mutedUntil(userId, 0)]) : [true, null]
    const facts: SendFacts = {
      conversationId,
      userId,
      version: s.conversation.membershipVersion,
      kind,
      left: s.membership.leftSeq !== null,
      role: s.membership.role,
      silencedUntil: s.membership.silencedUntil,
      muteAll: s.group?.muteAll ?? false,
      blocked,
      friends,
      worldOpen,
      worldMutedUntil,
    }
    this.#remember(facts)
    return facts
  }

  /** Evicts a conversation's facts when an event shows a membership version newer than theirs. */
  apply(event: ClusterEvent): void {
    if (event.kind !== 'push' || !('conversationId' in event.route)) return
    const entry = this.#byConversation.get(event.route.conversationId)
    if (entry && event.route.membershipVersion > entry.version) this.#byConversation.delete(event.route.conversationId)
  }

  #remember(facts: SendFacts): void {
    let entry = this.#byConversation.get(facts.conversationId)
    if (!entry || facts.version > entry.version) {
      // a newer version makes every other user's facts of this conversation suspect
      entry = { version: facts.version, users: new Map() }
      this.#byConversation.delete(facts.conversationId)
      this.#byConversation.set(facts.conversationId, entry)
      if (this.#byConversation.size > MAX_CONVERSATIONS) this.#byConversation.delete(this.#byConversation.keys().next().value!)
    } else if (facts.version < entry.version) {
      return
    }
    entry.users.set(facts.userId, facts)
  }
}
