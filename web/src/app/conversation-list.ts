/**
 * The conversation list: loading it, keeping each entry current, opening one, pin/mute, and the
 * open conversation's read mark. Every listed conversation is seeded into the SDK socket, whose
 * `resume` then continues from its last seq and modSeq.
 */
import { ApiError } from '@jim/client'
import type { Conversation, Group, PublicUser } from '../api/types.js'
import { applyCleared, applyReads, dropConversation, markRead, upsertConversation, withVisiblePreview } from '../store/chat-reducer.js'
import { lastSeqOf } from '../store/timeline.js'
import { peopleIn, type AppContext } from './context.js'

/** Pages of 200 read at sign-in (and after a reconnect) before the list stops. */
const MAX_LIST_PAGES = 10

export interface ConversationHooks {
  loadMembers(groupId: string): Promise<void>
  /** the open conversation's messages, when not loaded yet */
  loadLatest(conversationId: string): Promise<void>
}

export class ConversationList {
  readonly #c: AppContext
  readonly #hooks: ConversationHooks
  readonly #readTimers = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(context: AppContext, hooks: ConversationHooks) {
    this.#c = context
    this.#hooks = hooks
  }

  async loadConversations(): Promise<void> {
    try {
      const items: Conversation[] = []
      let cursor: string | null = null
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const res: { items: Conversation[]; nextCursor: string | null } = await this.#c.api.conversations(cursor)
        items.push(...res.items)
        cursor = res.nextCursor
        if (!cursor) break
      }
      // everyone is a world member from registration, so the list has it; asking for it (which
      // also repairs a missed join) is left for a list without it
      const world = items.find((c) => c.kind === 'world') ?? (await this.#c.api.world().catch(() => null))
      if (world && !items.some((c) => c.id === world.id)) items.push(world)
      this.#c.set((s) => {
        const conversations: Record<string, Conversation> = {}
        for (const c of items) conversations[c.id] = withVisiblePreview(s, c)
        // keep a conversation the user is looking at even if the page did not list it
        if (s.activeId && s.conversations[s.activeId] && !conversations[s.activeId])
          conversations[s.activeId] = s.conversations[s.activeId]!
        return { ...s, conversations, worldId: world?.id ?? s.worldId, conversationsUnavailable: false }
      })
      for (const c of items) this.#c.socket.seed(c.id, c.lastSeq, c.modSeq)
      this.#rememberPeers(items)
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.#c.set((s) => ({ ...s, conversationsUnavailable: true }))
      else if (!(err instanceof ApiError && err.status === 401)) this.#c.notifyError(err)
    }
  }

  #rememberPeers(items: Conversation[]): void {
    const peers = items.map((c) => c.peer).filter((p): p is PublicUser => !!p)
    if (peers.length) this.#c.set((s) => ({ ...s, users: { ...s.users, ...Object.fromEntries(peers.map((p) => [p.id, p])) } }))
    this.#c.ensureUsers(peopleIn(items.flatMap((c) => (c.lastMessage ? [c.lastMessage] : []))))
  }

  upsert(c: Conversation): void {
    this.#c.set((s) => upsertConversation(s, c))
    this.noteListed(c)
  }

  /** After a conversation entered the state: the socket follows it, its people get known. */
  noteListed(c: Conversation): void {
    if (!this.#c.state.conversations[c.id]) return
    this.#c.socket.seed(c.id, c.lastSeq, c.modSeq)
    this.#rememberPeers([c])
  }

  /** Fetches a conversation the list does not have yet (a message arrived in it). */
  fetchMissing(conversationId: string): void {
    if (this.#c.state.conversations[conversationId]) return
    void this.#c.api
      .conversation(conversationId)
      .then((c) => this.upsert(c))
      .catch(() => {})
  }

  /** Takes a group's conversation off the list (left, removed, dissolved). */
  drop(conversationId: string): void {
    this.#c.socket.sequencer.forget(conversationId)
    this.#c.set((s) => dropConversation(s, conversationId))
  }

  async open(id: string | null): Promise<void> {
    this.#c.set((s) => {
      // where the unread part starts, before opening marks it read
      const c = id ? s.conversations[id] : undefined
      const firstUnread = c && id && c.unreadCount > 0 && c.lastSeq > c.readSeq ? { conversationId: id, seq: c.readSeq + 1 } : null
      return { ...s, activeId: id, firstUnread }
    })
    if (!id) return
    if (!this.#c.state.conversations[id]) {
      try {
        this.upsert(await this.#c.api.conversation(id))
      } catch (err) {
        this.#c.notifyError(err)
        return
      }
    }
    const c = this.#c.state.conversations[id]
    if (c?.kind === 'group' && c.group) void this.#hooks.loadMembers(c.group.id)
    const t = this.#c.state.timelines[id]
    if (c && c.kind !== 'world') void this.#loadReads(id)
    if (!t?.loaded && !t?.loading) await this.#hooks.loadLatest(id)
    this.markActiveRead()
  }

  /** How far the others have read (the list does not say): read ticks and "read by N" survive a reload. */
  async #loadReads(id: string): Promise<void> {
    try {
      // only the reads: the rest could be older than the read mark this open just made
      const { reads } = await this.#c.api.conversation(id)
      if (reads?.length) this.#c.set((s) => applyReads(s, id, reads))
    } catch {
      // the list's copy stays; ticks come with the next conversation.read
    }
  }

  async openDirect(userId: string): Promise<void> {
    try {
      const conv = await this.#c.api.direct(userId)
      this.upsert(conv)
      this.#c.setTab('chats')
      await this.open(conv.id)
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  async openGroup(group: Group): Promise<void> {
    this.#c.setTab('chats')
    if (group.conversationId) await this.open(group.conversationId)
  }

  async setPinned(id: string, pinned: boolean): Promise<void> {
    await this.#patch(id, { pinned })
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    await this.#patch(id, { muted })
  }

  async #patch(id: string, patch: { pinned?: boolean; muted?: boolean }): Promise<void> {
    const before = this.#c.state.conversations[id]
    if (!before) return
    this.upsert({ ...before, ...patch })
    try {
      this.upsert(await this.#c.api.updateConversation(id, patch))
    } catch (err) {
      this.upsert(before)
      this.#c.notifyError(err)
    }
  }

  /** Clears my copy of a chat's history (the other side keeps theirs); says so when done. */
  async clearHistory(id: string): Promise<boolean> {
    try {
      await this.#c.api.clearHistory(id)
      this.#c.set((s) => {
        const c = s.conversations[id]
        if (!c) return s
        const cleared = { ...c, clearedSeq: c.lastSeq, lastMessage: null, unreadCount: 0, mentionCount: undefined }
        return applyCleared({ ...s, conversations: { ...s.conversations, [id]: cleared } }, id, c.lastSeq)
      })
      this.#c.notify({ kind: 'info', key: 'friends.historyCleared' })
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  /** Marks the open conversation read when the user can actually see it. */
  markActiveRead(): void {
    const id = this.#c.state.activeId
    if (!id || document.hidden) return
    const c = this.#c.state.conversations[id]
    if (!c) return
    const seq = Math.max(c.lastSeq, lastSeqOf(this.#c.state.timelines[id]?.messages ?? []))
    if (seq <= c.readSeq && c.unreadCount === 0) return
    this.#c.set((s) => markRead(s, id, seq))
    clearTimeout(this.#readTimers.get(id))
    this.#readTimers.set(
      id,
      setTimeout(() => {
        this.#readTimers.delete(id)
        this.#c.api.markRead(id, seq).catch(() => {})
      }, 250),
    )
  }
}
