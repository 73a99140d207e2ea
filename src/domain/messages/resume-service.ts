import type { Store } from '../store.js'
import { visibleRange, type ConversationService } from '../conversations/conversation-service.js'
import type { ConversationView } from '../conversations/conversation-view.js'
import { AppError } from '../errors.js'
import type { Message } from './message.js'
import { withoutHidden } from './hide-service.js'

/** A client's last known position in a conversation. */
export interface Position {
  seq: number
  /** with it, edits and recalls after this modSeq are replayed too */
  modSeq?: number
}

/** What a socket missed in one conversation. */
export type Missed =
  | {
      kind: 'messages'
      conversationId: string
      messages: Message[]
      changes: Message[]
      /** messages I hid (delete for me) on another device since `position.modSeq` */
      hidden: Array<{ seq: number; modSeq: number }>
      /** the last seq this replay covers, hidden messages included (null: nothing new) */
      throughSeq: number | null
      lastSeq: number
      modSeq: number
    }
  | { kind: 'resync_required'; conversationId: string; lastSeq: number }
  | { kind: 'not_member'; conversationId: string }

export const MAX_RESUME_CONVERSATIONS = 500

/** Works out what a reconnecting client missed, bounded per conversation. */
export class ResumeService {
  readonly #store: Store
  readonly #conversations: ConversationService
  readonly #maxMessages: number

  constructor(deps: { store: Store; conversations: ConversationService; maxMessages: number }) {
    this.#store = deps.store
    this.#conversations = deps.conversations
    this.#maxMessages = deps.maxMessages
  }

  /** Parses the `positions` of a resume frame: `{conversationId: seq | {seq, modSeq}}`. */
  parsePositions(raw: unknown): Map<string, Position> {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new AppError('request.invalid', 'resume needs positions: {conversationId: lastSeenSeq}.')
    }
    const entries = Object.entries(raw as Record<string, unknown>)
    if (entries.length > MAX_RESUME_CONVERSATIONS) {
      throw new AppError('request.invalid', `resume lists at most ${MAX_RESUME_CONVERSATIONS} conversations.`)
    }
    const positions = new Map<string, Position>()
    for (const [id, value] of entries) {
      const p = typeof value === 'number' ? { seq: value } : (value as Position | null)
      const validSeq = p && Number.isSafeInteger(p.seq) && p.seq >= 0
      const validMod = p && (p.modSeq === undefined || (Number.isSafeInteger(p.modSeq) && p.modSeq >= 0))
      if (!validSeq || !validMod) throw new AppError('request.invalid', `resume position of ${id} must be a seq (>= 0) or {seq, modSeq}.`)
      positions.set(id, { seq: p.seq, modSeq: p.modSeq })
    }
    return positions
  }

  /** What a member missed after `position` in one conversation. */
  async missed(userId: string, conversationId: string, position: Position): Promise<Missed> {
    let summary
    try {
      summary = await this.#conversations.summary(conversationId, userId)
    } catch {
      return { kind: 'not_member', conversationId }
    }
    const range = visibleRange(summary)
    const lastSeq = summary.conversation.lastSeq
    const after = Math.max(position.seq, range.minSeq - 1)
    const page =
      after >= range.maxSeq
        ? { items: [], hasMore: false }
        : await this.#store.messages.history(conversationId, { after, limit: this.#maxMessages, ...range })
    if (page.hasMore) return { kind: 'resync_required', conversationId, lastSeq }
    let changes: Message[] = []
    let hidden: Array<{ seq: number; modSeq: number }> = []
    if (position.modSeq !== undefined && position.modSeq < summary.conversation.modSeq) {
      const changed = await this.#store.messages.changedSince(conversationId, {
        modSeq: position.modSeq,
        limit: this.#maxMessages,
        ...range,
      })
      if (changed.hasMore) return { kind: 'resync_required', conversationId, lastSeq }
      // messages replayed in full already carry their latest state
      changes = changed.items.filter((m) => m.seq <= after)
      hidden = await this.#store.hidden.hiddenSince(userId, conversationId, { modSeq: position.modSeq, limit: this.#maxMessages, ...range })
      if (hidden.length >= this.#maxMessages) return { kind: 'resync_required', conversationId, lastSeq }
      hidden = hidden.filter((h) => h.seq <= after)
    }
    const messages = await withoutHidden(this.#store, userId, conversationId, page.items)
    changes = await withoutHidden(this.#store, userId, conversationId, changes)
    const throughSeq = page.items.at(-1)?.seq ?? null
    return { kind: 'messages', conversationId, messages, changes, hidden, throughSeq, lastSeq, modSeq: summary.conversation.modSeq }
  }

  /** Conversations with news that the client did not list (new direct chats, groups joined meanwhile). */
  async unlisted(userId: string, listed: ReadonlySet<string>): Promise<ConversationView[]> {
    const active = await this.#store.conversations.idsWithActivity(userId)
    const ids = active.filter((a) => !listed.has(a.conversationId)).slice(0, 100)
    const summaries = await Promise.all(ids.map((a) => this.#store.conversations.summaryFor(a.conversationId, userId)))
    return this.#conversations.views(summaries.filter((s) => s !== null))
  }
}
