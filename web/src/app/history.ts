/**
 * A conversation's history: the latest page when it opens, older pages as the user scrolls up,
 * and the repair of a hole the socket's `resume` could not fill.
 */
import { ApiError } from '@jim/client'
import type { Conversation } from '../api/types.js'
import { emptyTimeline, lastSeqOf, mergeMessages, type Timeline } from '../store/timeline.js'
import { peopleIn, type AppContext } from './context.js'

const PAGE = 50
/** A hole in an open conversation is read from history up to this many pages of 100; beyond, the latest page replaces it. */
const REPAIR_PAGES = 2
/** After paging older history failed, no automatic retry for this long (no retry storm while scrolling). */
const OLDER_RETRY_MS = 5000

/** What history needs of the conversation list (a repair refreshes the conversation's summary). */
export interface ListHooks {
  upsert(conversation: Conversation): void
  markActiveRead(): void
}

export class History {
  readonly #c: AppContext
  readonly #list: ListHooks
  readonly #repairing = new Set<string>()
  readonly #olderFailedAt = new Map<string, number>()

  constructor(context: AppContext, list: ListHooks) {
    this.#c = context
    this.#list = list
  }

  #setTimeline(id: string, fn: (t: Timeline) => Timeline): void {
    this.#c.set((s) => ({ ...s, timelines: { ...s.timelines, [id]: fn(s.timelines[id] ?? emptyTimeline) } }))
  }

  async loadLatest(id: string): Promise<void> {
    this.#setTimeline(id, (t) => ({ ...t, loading: true }))
    try {
      const page = await this.#c.api.messages(id, { limit: PAGE })
      this.#setTimeline(id, (t) => ({
        messages: mergeMessages(t.messages, page.items),
        hasMore: t.loaded ? t.hasMore : page.hasMore,
        loading: false,
        loaded: true,
      }))
      this.#c.ensureUsers(peopleIn(page.items))
      if (page.items.length) this.#c.socket.advance(id, lastSeqOf(page.items))
    } catch (err) {
      this.#setTimeline(id, (t) => ({ ...t, loading: false }))
      this.#c.notifyError(err)
    }
  }

  async loadOlder(id: string): Promise<void> {
    const t = this.#c.state.timelines[id]
    if (!t || t.loading || !t.hasMore || !t.messages.length) return
    if (Date.now() - (this.#olderFailedAt.get(id) ?? 0) < OLDER_RETRY_MS) return
    this.#setTimeline(id, (x) => ({ ...x, loading: true }))
    try {
      const page = await this.#c.api.messages(id, { before: t.messages[0]!.seq, limit: PAGE })
      this.#setTimeline(id, (x) => ({ ...x, messages: mergeMessages(x.messages, page.items), hasMore: page.hasMore, loading: false }))
      this.#c.ensureUsers(peopleIn(page.items))
    } catch (err) {
      this.#olderFailedAt.set(id, Date.now())
      this.#setTimeline(id, (x) => ({ ...x, loading: false }))
      this.#c.notifyError(err)
    }
  }

  /**
   * The SDK's repair hook: a hole `resume` could not fill. A conversation whose messages are on
   * screen reads what it missed (the SDK delivers each once, in order); when that is too much,
   * the latest page replaces the timeline. One that is not on screen only needs its summary.
   */
  async repair(id: string, lastSeq: number | null): Promise<void> {
    if (this.#repairing.has(id)) return
    this.#repairing.add(id)
    try {
      const t = this.#c.state.timelines[id]
      if (t?.loaded && !(await this.#c.client.fillFromHistory(id, { lastSeq, maxPages: REPAIR_PAGES }))) {
        const latest = await this.#c.api.messages(id, { limit: PAGE })
        this.#setTimeline(id, () => ({ messages: latest.items, hasMore: latest.hasMore, loading: false, loaded: true }))
        this.#c.socket.advance(id, lastSeqOf(latest.items))
      }
      const conv = await this.#c.api.conversation(id)
      if (!t?.loaded) this.#c.socket.advance(id, conv.lastSeq)
      this.#list.upsert(conv)
      if (this.#c.state.activeId === id) this.#list.markActiveRead()
    } catch (err) {
      if (!(err instanceof ApiError && err.transient)) this.#c.notifyError(err)
    } finally {
      this.#repairing.delete(id)
    }
  }
}
