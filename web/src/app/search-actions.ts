/**
 * Message search: the global box over the conversation list and the in-chat one ask the server
 * (`GET /search/messages`), and a hit opens its conversation at that message with the messages
 * around it loaded, so the reader sees the context and can scroll on in either direction.
 */
import type { SearchFilters } from '@jim/client'
import type { SearchHit, SearchPage } from '@jim/protocol'
import { emptyTimeline, mergeMessages } from '../store/timeline.js'
import { peopleIn, type AppContext } from './context.js'

/** Messages loaded above a hit, so it is not the first line of the view. */
const CONTEXT_ABOVE = 10
/** At most this many history pages (of PAGE messages) are read between a hit and what is loaded. */
const MAX_PAGES = 10
const PAGE = 200

export type { SearchHit, SearchPage }

/** What a jump needs of the conversation list: opening a conversation (it loads its latest page). */
export interface OpenHook {
  open(id: string): Promise<void>
}

export class SearchActions {
  readonly #c: AppContext
  readonly #list: OpenHook

  constructor(context: AppContext, list: OpenHook) {
    this.#c = context
    this.#list = list
  }

  /** One page of hits, newest first; null after an error (shown as a notice). */
  async search(q: string, filters: SearchFilters = {}): Promise<SearchPage | null> {
    try {
      const page = await this.#c.api.searchMessages(q, filters)
      this.#c.ensureUsers(peopleIn(page.items.map((h) => h.message)))
      return page
    } catch (err) {
      this.#c.notifyError(err)
      return null
    }
  }

  /**
   * Opens the hit's conversation with the history from a little above the hit down to what was
   * already loaded (the latest page), so the timeline stays one unbroken run of messages. A hit more
   * than MAX_PAGES pages back is not loaded (the notice says so; its snippet was in the results).
   * Resolves true once the hit's message is in the timeline.
   */
  async jumpTo(conversationId: string, seq: number): Promise<boolean> {
    await this.#list.open(conversationId)
    const target = Math.max(1, seq - CONTEXT_ABOVE)
    const first = this.#c.state.timelines[conversationId]?.messages[0]?.seq
    if (first !== undefined && first <= target) return true
    // nothing loaded (the latest page failed): the hit's own page
    const upTo = first === undefined ? target + PAGE - 1 : first - 1
    if (upTo - target + 1 > MAX_PAGES * PAGE) {
      this.#c.notify({ kind: 'info', key: 'msgSearch.tooFar' })
      return false
    }
    try {
      let from = target
      while (from <= upTo) {
        const page = await this.#c.api.messages(conversationId, { after: from - 1, limit: PAGE })
        this.#c.ensureUsers(peopleIn(page.items))
        this.#c.set((s) => {
          const t = s.timelines[conversationId] ?? emptyTimeline
          const timeline = { ...t, messages: mergeMessages(t.messages, page.items), hasMore: target > 1 }
          return { ...s, timelines: { ...s.timelines, [conversationId]: timeline } }
        })
        if (page.items.length === 0 || !page.hasMore) break
        from = page.items[page.items.length - 1]!.seq + 1
      }
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }
}
