import type { Store } from '../store.js'

export interface MemberRange {
  joinSeq: number
  leftSeq: number | null
}

export interface MemberRanges {
  version: number
  ranges: Map<string, MemberRange>
}

const MAX_CACHED_CONVERSATIONS = 10_000

/**
 * Every member row (current and past) of a conversation with its seq range, cached by
 * `membershipVersion`: an event carrying a newer version refetches once, otherwise no database
 * call. Shared by the push fan-out (who may see an event here) and the broker's router (which
 * instances hold a recipient), so a publisher that also delivers locally loads a conversation once.
 */
export class MemberRangesCache {
  readonly #store: Store
  readonly #cache = new Map<string, MemberRanges>()

  constructor(store: Store) {
    this.#store = store
  }

  async at(conversationId: string, version: number): Promise<MemberRanges> {
    const cached = this.#cache.get(conversationId)
    if (cached && cached.version >= version) {
      // refresh LRU position
      this.#cache.delete(conversationId)
      this.#cache.set(conversationId, cached)
      return cached
    }
    const fresh = await this.#store.conversations.memberRanges(conversationId)
    const members: MemberRanges = {
      version: fresh.version,
      ranges: new Map(fresh.members.map((m) => [m.userId, { joinSeq: m.joinSeq, leftSeq: m.leftSeq }])),
    }
    const current = this.#cache.get(conversationId)
    // a slower, older read must not replace a newer one loaded meanwhile
    if (current && current.version > members.version) return current
    this.#cache.delete(conversationId)
    this.#cache.set(conversationId, members)
    if (this.#cache.size > MAX_CACHED_CONVERSATIONS) this.#cache.delete(this.#cache.keys().next().value!)
    return members
  }
}
