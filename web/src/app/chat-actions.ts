/**
 * Conversations and messages: the list, history paging, sending with retry, read marks, and
 * every message however it arrives (push, resume, history repair, our own send).
 */
import { ApiError } from '../api/client.js'
import type { Conversation, Group, Message, PublicUser, SendMessageBody, ServerFrame, TextContent, UploadKind } from '../api/types.js'
import { translate } from '../i18n/index.js'
import type { State } from '../store/state.js'
import { emptyTimeline, lastSeqOf, mergeMessages, newClientMsgId, type PendingMessage, type Timeline } from '../store/timeline.js'
import { peopleIn, type AppContext } from './context.js'
import { displayNameOf, previewText } from './format.js'
import { showNotification } from './notify.js'

const PAGE = 50

export class ChatActions {
  readonly #c: AppContext
  readonly #hooks: { loadMembers: (groupId: string) => Promise<void> }
  readonly #readTimers = new Map<string, ReturnType<typeof setTimeout>>()
  readonly #lastTypingSent = new Map<string, number>()
  readonly #repairing = new Set<string>()
  /** when paging older history last failed, per conversation: no automatic retry storm */
  readonly #olderFailedAt = new Map<string, number>()

  constructor(context: AppContext, hooks: { loadMembers: (groupId: string) => Promise<void> }) {
    this.#c = context
    this.#hooks = hooks
  }

  async loadConversations(): Promise<void> {
    try {
      const items: Conversation[] = []
      let cursor: string | null = null
      for (let page = 0; page < 10; page++) {
        const res: { items: Conversation[]; nextCursor: string | null } = await this.#c.api.conversations(cursor)
        items.push(...res.items)
        cursor = res.nextCursor
        if (!cursor) break
      }
      const world = await this.#c.api.world().catch(() => null)
      if (world && !items.some((c) => c.id === world.id)) items.push(world)
      this.#c.set((s) => {
        const conversations: Record<string, Conversation> = {}
        for (const c of items) conversations[c.id] = c
        // keep a conversation the user is looking at even if the page did not list it
        if (s.activeId && s.conversations[s.activeId] && !conversations[s.activeId])
          conversations[s.activeId] = s.conversations[s.activeId]!
        return { ...s, conversations, worldId: world?.id ?? s.worldId, conversationsUnavailable: false }
      })
      for (const c of items) this.#c.socket?.sequencer.seed(c.id, c.lastSeq)
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

  upsertConversation(c: Conversation): void {
    if (c.leftSeq !== null && c.leftSeq !== undefined && this.#c.state.activeId !== c.id) {
      // left or removed: off the list (the server lists current conversations only)
      this.#c.set((s) => {
        if (!s.conversations[c.id]) return s
        const conversations = { ...s.conversations }
        delete conversations[c.id]
        return { ...s, conversations }
      })
      return
    }
    this.#c.set((s) => ({
      ...s,
      conversations: { ...s.conversations, [c.id]: { ...s.conversations[c.id], ...c } },
      worldId: c.kind === 'world' ? c.id : s.worldId,
    }))
    this.#c.socket?.sequencer.seed(c.id, c.lastSeq)
    this.#rememberPeers([c])
  }

  async openConversation(id: string | null): Promise<void> {
    this.#c.set((s) => ({ ...s, activeId: id }))
    if (!id) return
    const conv = this.#c.state.conversations[id]
    if (!conv) {
      try {
        this.upsertConversation(await this.#c.api.conversation(id))
      } catch (err) {
        this.#c.notifyError(err)
        return
      }
    }
    const c = this.#c.state.conversations[id]
    if (c?.kind === 'group' && c.group) void this.#hooks.loadMembers(c.group.id)
    const t = this.#c.state.timelines[id]
    if (!t?.loaded && !t?.loading) await this.loadLatest(id)
    this.markActiveRead()
  }

  async openDirect(userId: string): Promise<void> {
    try {
      const conv = await this.#c.api.direct(userId)
      this.upsertConversation(conv)
      this.#c.setTab('chats')
      await this.openConversation(conv.id)
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  async openGroup(group: Group): Promise<void> {
    this.#c.setTab('chats')
    if (group.conversationId) await this.openConversation(group.conversationId)
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
      if (page.items.length) this.#c.socket?.advance(id, lastSeqOf(page.items))
    } catch (err) {
      this.#setTimeline(id, (t) => ({ ...t, loading: false }))
      this.#c.notifyError(err)
    }
  }

  async loadOlder(id: string): Promise<void> {
    const t = this.#c.state.timelines[id]
    if (!t || t.loading || !t.hasMore || !t.messages.length) return
    if (Date.now() - (this.#olderFailedAt.get(id) ?? 0) < 5000) return
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

  async setPinned(id: string, pinned: boolean): Promise<void> {
    await this.#patchConversation(id, { pinned })
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    await this.#patchConversation(id, { muted })
  }

  async #patchConversation(id: string, patch: { pinned?: boolean; muted?: boolean }): Promise<void> {
    const before = this.#c.state.conversations[id]
    if (!before) return
    this.upsertConversation({ ...before, ...patch })
    try {
      this.upsertConversation(await this.#c.api.updateConversation(id, patch))
    } catch (err) {
      this.upsertConversation(before)
      this.#c.notifyError(err)
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
    this.#c.set((s) => {
      const cur = s.conversations[id]
      return cur
        ? { ...s, conversations: { ...s.conversations, [id]: { ...cur, readSeq: Math.max(cur.readSeq, seq), unreadCount: 0 } } }
        : s
    })
    clearTimeout(this.#readTimers.get(id))
    this.#readTimers.set(
      id,
      setTimeout(() => {
        this.#readTimers.delete(id)
        this.#c.api.markRead(id, seq).catch(() => {})
      }, 250),
    )
  }

  // ------------------------------------------------------------ sending

  async send(conversationId: string, text: string, options: { mentions?: string[]; replyTo?: number | null } = {}): Promise<void> {
    const trimmed = text.replace(/\s+$/, '')
    if (!trimmed.trim()) return
    const pending: PendingMessage = {
      clientMsgId: newClientMsgId(),
      conversationId,
      text: trimmed,
      mentions: options.mentions ?? [],
      replyTo: options.replyTo ?? null,
      status: 'sending',
      createdAt: new Date().toISOString(),
      error: null,
    }
    this.#c.set((s) => ({ ...s, pending: { ...s.pending, [conversationId]: [...(s.pending[conversationId] ?? []), pending] } }))
    await this.#deliver(pending)
  }

  /** Sends a failed message again with the SAME clientMsgId, so the server stores it once. */
  async retry(conversationId: string, clientMsgId: string): Promise<void> {
    const p = this.#c.state.pending[conversationId]?.find((x) => x.clientMsgId === clientMsgId)
    if (!p || p.status === 'sending') return
    this.#updatePending(p, { status: 'sending', error: null })
    await this.#deliver({ ...p, status: 'sending' })
  }

  discard(conversationId: string, clientMsgId: string): void {
    this.#c.set((s) => ({
      ...s,
      pending: { ...s.pending, [conversationId]: (s.pending[conversationId] ?? []).filter((x) => x.clientMsgId !== clientMsgId) },
    }))
  }

  async #deliver(p: PendingMessage): Promise<void> {
    const content: TextContent = { text: p.text }
    if (p.mentions.length) content.mentions = p.mentions
    if (p.replyTo) content.replyTo = p.replyTo
    try {
      const { message } = await this.#c.api.send(p.conversationId, { clientMsgId: p.clientMsgId, type: 'text', content })
      this.applyMessage(message, false)
    } catch (err) {
      this.#updatePending(p, { status: 'failed', error: err instanceof ApiError ? err.code : 'network' })
      if (!(err instanceof ApiError && err.transient)) this.#c.notifyError(err)
    }
  }

  #updatePending(p: PendingMessage, patch: Partial<PendingMessage>): void {
    this.#c.set((s) => ({
      ...s,
      pending: {
        ...s.pending,
        [p.conversationId]: (s.pending[p.conversationId] ?? []).map((x) => (x.clientMsgId === p.clientMsgId ? { ...x, ...patch } : x)),
      },
    }))
  }

  /** Uploads a file (image, voice, video or any file) and sends it as a message of that type. */
  async sendFile(conversationId: string, file: Blob, name: string, kind: UploadKind, durationMs?: number): Promise<boolean> {
    try {
      const up = await this.#c.api.upload(file, name, kind, durationMs)
      const content: Record<string, unknown> = { fileId: up.fileId }
      if (durationMs !== undefined && (kind === 'voice' || kind === 'video')) content.durationMs = Math.round(durationMs)
      return await this.sendContent(conversationId, kind, content)
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  /** An error notice by dictionary key (e.g. no microphone). */
  warn(key: string): void {
    this.#c.notify({ kind: 'error', key })
  }

  /** Sends a non-text message (media after upload, sticker, location). */
  async sendContent(conversationId: string, type: SendMessageBody['type'], content: Record<string, unknown>): Promise<boolean> {
    try {
      const { message } = await this.#c.api.send(conversationId, { clientMsgId: newClientMsgId(), type, content })
      this.applyMessage(message, false)
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  /** After a reconnect, sends again what failed for lack of a connection. */
  retryTransientFailures(): void {
    for (const list of Object.values(this.#c.state.pending)) {
      for (const p of list) {
        if (p.status === 'failed' && (p.error === 'network' || p.error === 'internal' || p.error === 'service.unavailable')) {
          void this.retry(p.conversationId, p.clientMsgId)
        }
      }
    }
  }

  /** Stores an edited or recalled message, and the conversation's modSeq `resume` continues from. */
  applyChange(m: Message): void {
    this.#c.set((s) => {
      const t = s.timelines[m.conversationId]
      const c = s.conversations[m.conversationId]
      const updated = c
        ? { ...c, modSeq: Math.max(c.modSeq ?? 0, m.modSeq ?? 0), lastMessage: c.lastMessage?.seq === m.seq ? m : c.lastMessage }
        : null
      return {
        ...s,
        timelines: t ? { ...s.timelines, [m.conversationId]: { ...t, messages: mergeMessages(t.messages, [m]) } } : s.timelines,
        conversations: updated ? { ...s.conversations, [updated.id]: updated } : s.conversations,
      }
    })
  }

  /** Edits my text message (the server enforces the edit window). */
  async edit(conversationId: string, seq: number, text: string): Promise<boolean> {
    const trimmed = text.replace(/\s+$/, '')
    if (!trimmed.trim()) return false
    const old = this.#c.state.timelines[conversationId]?.messages.find((m) => m.seq === seq)
    const content: TextContent = { ...(old?.content as Partial<TextContent>), text: trimmed }
    try {
      const { message } = await this.#c.api.editMessage(conversationId, seq, content)
      this.applyChange(message)
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  /** Recalls a message: mine within the recall window, or a lower rank's in a group I manage. */
  async recall(conversationId: string, seq: number): Promise<void> {
    try {
      const { message } = await this.#c.api.recallMessage(conversationId, seq)
      this.applyChange(message)
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  sendTyping(conversationId: string): void {
    const now = Date.now()
    if (now - (this.#lastTypingSent.get(conversationId) ?? 0) < 3000) return
    this.#lastTypingSent.set(conversationId, now)
    this.#c.socket?.send({ type: 'typing', conversationId })
  }

  /** Stores a message from any source: timeline, conversation summary, pending list, unread count. */
  applyMessage(m: Message, live: boolean): void {
    const me = this.#c.me
    const own = m.senderId !== null && m.senderId === me
    const s0 = this.#c.state
    const known = s0.conversations[m.conversationId]
    const visible = s0.activeId === m.conversationId && !document.hidden
    this.#c.set((s) => {
      const next: State = { ...s }
      const t = s.timelines[m.conversationId]
      if (t) next.timelines = { ...s.timelines, [m.conversationId]: { ...t, messages: mergeMessages(t.messages, [m]) } }
      const pend = s.pending[m.conversationId]
      if (own && pend?.some((p) => p.clientMsgId === m.clientMsgId)) {
        next.pending = { ...s.pending, [m.conversationId]: pend.filter((p) => p.clientMsgId !== m.clientMsgId) }
      }
      const typing = m.senderId ? s.typing[m.conversationId] : undefined
      if (typing && m.senderId && typing[m.senderId]) {
        const rest = { ...typing }
        delete rest[m.senderId]
        next.typing = { ...s.typing, [m.conversationId]: rest }
      }
      const c = s.conversations[m.conversationId]
      if (c) {
        const newer = !c.lastMessage || m.seq >= c.lastMessage.seq
        const isNew = m.seq > c.lastSeq
        const updated: Conversation = {
          ...c,
          lastSeq: Math.max(c.lastSeq, m.seq),
          lastMessage: newer ? m : c.lastMessage,
          lastActivityAt: newer ? m.createdAt : c.lastActivityAt,
        }
        if (own) updated.readSeq = Math.max(c.readSeq, m.seq)
        else if (isNew && m.seq > c.readSeq && !visible) updated.unreadCount = c.unreadCount + 1
        next.conversations = { ...s.conversations, [c.id]: updated }
      }
      return next
    })
    if (!known && live) {
      void this.#c.api
        .conversation(m.conversationId)
        .then((c) => this.upsertConversation(c))
        .catch(() => {})
    }
    this.#c.ensureUsers(peopleIn([m]))
    if (!own && live) {
      if (visible) this.markActiveRead()
      else this.#maybeNotify(m)
    }
  }

  #maybeNotify(m: Message): void {
    const s = this.#c.state
    const c = s.conversations[m.conversationId]
    if (!document.hidden || !c || c.muted || m.type === 'system') return
    const title = c.kind === 'world' ? translate(s.locale, 'conv.world') : c.group ? c.group.name : displayNameOf(s, m.senderId)
    const body = c.kind === 'direct' ? previewText(s, m) : `${displayNameOf(s, m.senderId)}: ${previewText(s, m)}`
    showNotification(title, body, c.id, () => {
      window.focus()
      void this.openConversation(c.id)
    })
  }

  /** The socket could not fill a hole: page history instead. */
  async repair(id: string): Promise<void> {
    if (this.#repairing.has(id)) return
    this.#repairing.add(id)
    try {
      const socket = this.#c.socket
      const t = this.#c.state.timelines[id]
      if (t?.loaded && socket) {
        const from = socket.sequencer.position(id) ?? lastSeqOf(t.messages)
        const page = await this.#c.api.messages(id, { after: from, limit: 200 })
        if (!page.hasMore) {
          this.#setTimeline(id, (x) => ({ ...x, messages: mergeMessages(x.messages, page.items) }))
          for (const m of page.items) this.applyMessage(m, false)
          socket.advance(id, Math.max(from, lastSeqOf(page.items)))
        } else {
          // too much missed: show the latest page; older pages load on scroll
          const latest = await this.#c.api.messages(id, { limit: PAGE })
          this.#setTimeline(id, () => ({ messages: latest.items, hasMore: latest.hasMore, loading: false, loaded: true }))
          socket.advance(id, lastSeqOf(latest.items))
        }
      }
      const conv = await this.#c.api.conversation(id)
      this.upsertConversation(conv)
      if (!t?.loaded) socket?.advance(id, conv.lastSeq)
      if (this.#c.state.activeId === id) this.markActiveRead()
    } catch (err) {
      if (!(err instanceof ApiError && err.transient)) this.#c.notifyError(err)
    } finally {
      this.#repairing.delete(id)
    }
  }

  /** Frames about conversations and messages (other than message.created, which the socket orders). */
  onFrame(frame: ServerFrame): void {
    const me = this.#c.me
    switch (frame.type) {
      case 'message.updated':
      case 'message.recalled':
        this.applyChange(frame.message)
        return
      case 'conversation.updated':
        this.upsertConversation(frame.conversation)
        return
      case 'conversation.read': {
        const { conversationId } = frame
        if ('reads' in frame) {
          for (const r of frame.reads) this.#applyRead(conversationId, r.userId, r.seq)
          return
        }
        this.#applyRead(conversationId, frame.userId, frame.seq)
        return
      }
      case 'typing': {
        // one user, or (large groups) everyone who typed in the last second, coalesced
        const userIds = ('userIds' in frame ? frame.userIds : [frame.userId]).filter((id) => id !== me)
        if (userIds.length === 0) return
        const { conversationId } = frame
        const until = Date.now() + 5000
        this.#c.set((s) => ({
          ...s,
          typing: {
            ...s.typing,
            [conversationId]: { ...s.typing[conversationId], ...Object.fromEntries(userIds.map((id) => [id, until])) },
          },
        }))
        this.#c.ensureUsers(userIds)
        setTimeout(() => {
          this.#c.set((s) => {
            const cur = s.typing[conversationId]
            if (!cur) return s
            const rest = { ...cur }
            for (const id of userIds) if ((rest[id] ?? 0) <= Date.now()) delete rest[id]
            return { ...s, typing: { ...s.typing, [conversationId]: rest } }
          })
        }, 5100)
        return
      }
      case 'error':
        // a resume named a conversation we are no longer in
        if (frame.code === 'conversation.not_found' && frame.conversationId) this.#c.socket?.sequencer.forget(frame.conversationId)
        return
      default:
        return
    }
  }

  #applyRead(conversationId: string, userId: string, seq: number): void {
    const me = this.#c.me
    this.#c.set((s) => {
      const c = s.conversations[conversationId]
      if (userId === me) {
        if (!c || seq <= c.readSeq) return s
        return {
          ...s,
          conversations: { ...s.conversations, [c.id]: { ...c, readSeq: seq, unreadCount: Math.max(0, c.lastSeq - seq) } },
        }
      }
      const reads = s.groupReads[conversationId]
      const groupReads =
        c?.kind === 'group' && (reads?.[userId] ?? 0) < seq
          ? { ...s.groupReads, [conversationId]: { ...reads, [userId]: seq } }
          : s.groupReads
      if ((s.peerRead[conversationId] ?? 0) >= seq) return groupReads === s.groupReads ? s : { ...s, groupReads }
      return { ...s, groupReads, peerRead: { ...s.peerRead, [conversationId]: seq } }
    })
  }

  /** Who has read a message (ids; an empty list when the server only gives a count). */
  async readers(conversationId: string, seq: number): Promise<string[]> {
    try {
      const res = await this.#c.api.reads(conversationId, seq)
      const ids = (res.userIds ?? []).filter((id) => id !== this.#c.me)
      this.#c.ensureUsers(ids)
      return ids
    } catch (err) {
      this.#c.notifyError(err)
      return []
    }
  }

  /** Takes a group's conversation off the list (left, removed, dissolved). */
  dropConversation(conversationId: string): void {
    this.#c.socket?.sequencer.forget(conversationId)
    this.#c.set((s) => {
      const conversations = { ...s.conversations }
      delete conversations[conversationId]
      return { ...s, conversations, activeId: s.activeId === conversationId ? null : s.activeId }
    })
  }
}
