/**
 * The client's brain: talks to the API and the socket, keeps the store up to date and
 * exposes the actions the components call. Components never fetch on their own.
 */
import { ApiClient, ApiError, unwrap } from '../api/client.js'
import { ChatSocket, type ChatSocketEvent } from '../api/socket.js'
import type { Conversation, Friend, FriendRequest, Group, Message, PublicUser, ServerFrame, TextContent } from '../api/types.js'
import { translate, type Locale } from '../i18n/index.js'
import { initialState, signedOut, type Notice, type State, type Tab } from '../store/state.js'
import { Store } from '../store/store.js'
import { emptyTimeline, lastSeqOf, mergeMessages, newClientMsgId, type PendingMessage, type Timeline } from '../store/timeline.js'
import { displayNameOf, previewText } from './format.js'
import { showNotification } from './notify.js'

const TOKEN_KEY = 'jim.token'
const LOCALE_KEY = 'jim.locale'
const PAGE = 50

export class Controller {
  readonly api: ApiClient
  readonly store: Store<State>
  #socket: ChatSocket | null = null
  #noticeId = 0
  readonly #userFetches = new Set<string>()
  readonly #readTimers = new Map<string, ReturnType<typeof setTimeout>>()
  readonly #lastTypingSent = new Map<string, number>()
  readonly #repairing = new Set<string>()

  constructor(locale: Locale) {
    const token = safeStorage.get(TOKEN_KEY)
    this.store = new Store(initialState(locale, token))
    this.api = new ApiClient({ onUnauthorized: () => this.#sessionEnded() })
    this.api.token = token
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.#markActiveRead()
    })
    window.addEventListener('online', () => this.#socket?.reconnectNow())
    if (token) void this.#boot()
  }

  get state(): State {
    return this.store.getState()
  }

  #set(fn: (s: State) => State): void {
    this.store.update(fn)
  }

  get me(): string | null {
    return this.state.auth?.user?.id ?? null
  }

  // ------------------------------------------------------------ notices and language

  notify(notice: Omit<Notice, 'id'>): void {
    const id = ++this.#noticeId
    this.#set((s) => ({ ...s, notices: [...s.notices.slice(-3), { ...notice, id }] }))
    setTimeout(() => this.dismiss(id), notice.kind === 'error' ? 7000 : 4000)
  }

  notifyError(err: unknown): void {
    if (err instanceof ApiError) this.notify({ kind: 'error', code: err.code, fallback: err.message })
    else this.notify({ kind: 'error', key: 'error.generic' })
  }

  dismiss(id: number): void {
    this.#set((s) => ({ ...s, notices: s.notices.filter((n) => n.id !== id) }))
  }

  setLocale(locale: Locale): void {
    safeStorage.set(LOCALE_KEY, locale)
    document.documentElement.lang = locale
    this.#set((s) => ({ ...s, locale }))
  }

  static storedLocale(): Locale | null {
    const v = safeStorage.get(LOCALE_KEY)
    return v === 'en' || v === 'zh-CN' ? v : null
  }

  setTab(tab: Tab): void {
    this.#set((s) => ({ ...s, tab }))
  }

  // ------------------------------------------------------------ session

  async login(username: string, password: string, captcha?: { id: string; answer: string }): Promise<void> {
    const res = await this.api.login({ username: username.trim().toLowerCase(), password, ...(captcha ? { captcha } : {}) })
    safeStorage.set(TOKEN_KEY, res.token)
    this.api.token = res.token
    this.#set((s) => ({ ...initialState(s.locale, res.token), auth: { token: res.token, user: res.user } }))
    await this.#boot()
  }

  async register(body: { username: string; password: string; nickname?: string }, captcha?: { id: string; answer: string }): Promise<void> {
    await this.api.register({ ...body, username: body.username.trim().toLowerCase(), ...(captcha ? { captcha } : {}) })
  }

  async logout(): Promise<void> {
    try {
      await this.api.logout()
    } catch {
      // the token is forgotten anyway
    }
    this.#signOut()
  }

  #sessionEnded(): void {
    if (!this.state.auth) return
    this.#signOut()
    this.notify({ kind: 'info', key: 'auth.sessionEnded' })
  }

  #signOut(): void {
    this.#socket?.stop()
    this.#socket = null
    safeStorage.remove(TOKEN_KEY)
    this.api.token = null
    this.#set(signedOut)
  }

  /** Loads everything a signed-in user sees, then opens the socket. */
  async #boot(): Promise<void> {
    try {
      const user = await this.api.me()
      this.#set((s) => (s.auth ? { ...s, auth: { ...s.auth, user } } : s))
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return this.#signOut()
      this.notifyError(err)
    }
    await Promise.all([
      this.loadConversations(),
      this.loadFriends(),
      this.loadRequests(),
      this.loadBlocks(),
      this.loadGroups(),
      this.loadInvitations(),
    ])
    this.#startSocket()
  }

  #startSocket(): void {
    const token = this.state.auth?.token
    if (!token) return
    this.#socket?.stop()
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`
    const socket = new ChatSocket({ url, factory: (u) => new WebSocket(u) })
    this.#socket = socket
    for (const c of Object.values(this.state.conversations)) socket.sequencer.seed(c.id, c.lastSeq)
    socket.subscribe((e) => this.#onSocket(e))
    socket.start(token)
  }

  reconnectNow(): void {
    this.#socket?.reconnectNow()
  }

  // ------------------------------------------------------------ lists

  async loadConversations(): Promise<void> {
    try {
      const items: Conversation[] = []
      let cursor: string | null = null
      for (let page = 0; page < 10; page++) {
        const res: { items: Conversation[]; nextCursor: string | null } = await this.api.conversations(cursor)
        items.push(...res.items)
        cursor = res.nextCursor
        if (!cursor) break
      }
      const world = await this.api.world().catch(() => null)
      if (world && !items.some((c) => c.id === world.id)) items.push(world)
      this.#set((s) => {
        const conversations: Record<string, Conversation> = {}
        for (const c of items) conversations[c.id] = c
        // keep a conversation the user is looking at even if the page did not list it
        if (s.activeId && s.conversations[s.activeId] && !conversations[s.activeId])
          conversations[s.activeId] = s.conversations[s.activeId]!
        return { ...s, conversations, worldId: world?.id ?? s.worldId, conversationsUnavailable: false }
      })
      for (const c of items) this.#socket?.sequencer.seed(c.id, c.lastSeq)
      this.#rememberPeers(items)
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.#set((s) => ({ ...s, conversationsUnavailable: true }))
      else if (!(err instanceof ApiError && err.status === 401)) this.notifyError(err)
    }
  }

  #rememberPeers(items: Conversation[]): void {
    const peers = items.map((c) => c.peer).filter((p): p is PublicUser => !!p)
    if (peers.length) this.#set((s) => ({ ...s, users: { ...s.users, ...Object.fromEntries(peers.map((p) => [p.id, p])) } }))
    this.ensureUsers(peopleIn(items.flatMap((c) => (c.lastMessage ? [c.lastMessage] : []))))
  }

  async loadFriends(): Promise<void> {
    await this.#quietly(async () => {
      const res = await this.api.friends()
      this.#set((s) => ({
        ...s,
        friends: Object.fromEntries(res.items.map((f) => [f.user.id, f])),
        presence: { ...s.presence, ...Object.fromEntries(res.items.map((f) => [f.user.id, f.presence])) },
        users: { ...s.users, ...Object.fromEntries(res.items.map((f) => [f.user.id, f.user])) },
      }))
    })
  }

  async loadRequests(): Promise<void> {
    await this.#quietly(async () => {
      const [incoming, outgoing] = await Promise.all([this.api.friendRequests('incoming'), this.api.friendRequests('outgoing')])
      this.#set((s) => ({ ...s, incoming: incoming.items, outgoing: outgoing.items }))
    })
  }

  async loadBlocks(): Promise<void> {
    await this.#quietly(async () => {
      const res = await this.api.blocks()
      this.#set((s) => ({ ...s, blocks: res.items }))
    })
  }

  async loadGroups(): Promise<void> {
    await this.#quietly(async () => {
      const res = await this.api.myGroups()
      this.#set((s) => ({ ...s, groups: Object.fromEntries(res.items.map((g) => [g.id, g])) }))
    })
  }

  async loadInvitations(): Promise<void> {
    await this.#quietly(async () => {
      const res = await this.api.invitations()
      this.#set((s) => ({ ...s, invitations: res.items }))
    })
  }

  async loadMembers(groupId: string): Promise<void> {
    await this.#quietly(async () => {
      const res = await this.api.groupMembers(groupId)
      this.#set((s) => ({
        ...s,
        members: { ...s.members, [groupId]: res.items },
        users: { ...s.users, ...Object.fromEntries(res.items.map((m) => [m.user.id, m.user])) },
      }))
    })
  }

  /** Endpoints that are not there yet (404 route.not_found) leave their list empty. */
  async #quietly(fn: () => Promise<void>): Promise<void> {
    try {
      await fn()
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'route.not_found' || err.status === 401)) return
      this.notifyError(err)
    }
  }

  /** Fetches profiles of senders we do not know yet (world and group chats). */
  ensureUsers(ids: Iterable<string | null>): void {
    const s = this.state
    for (const id of ids) {
      if (!id || s.users[id] || this.#userFetches.has(id) || id === this.me) continue
      this.#userFetches.add(id)
      void this.api
        .user(id)
        .then((u) => this.#set((st) => ({ ...st, users: { ...st.users, [u.id]: u } })))
        .catch(() => {})
    }
  }

  // ------------------------------------------------------------ conversations

  upsertConversation(c: Conversation): void {
    if (c.leftSeq !== null && c.leftSeq !== undefined && this.state.activeId !== c.id) {
      // left or removed: off the list (the server lists current conversations only)
      this.#set((s) => {
        if (!s.conversations[c.id]) return s
        const conversations = { ...s.conversations }
        delete conversations[c.id]
        return { ...s, conversations }
      })
      return
    }
    this.#set((s) => ({
      ...s,
      conversations: { ...s.conversations, [c.id]: { ...s.conversations[c.id], ...c } },
      worldId: c.kind === 'world' ? c.id : s.worldId,
    }))
    this.#socket?.sequencer.seed(c.id, c.lastSeq)
    this.#rememberPeers([c])
  }

  async openConversation(id: string | null): Promise<void> {
    this.#set((s) => ({ ...s, activeId: id }))
    if (!id) return
    const conv = this.state.conversations[id]
    if (!conv) {
      try {
        this.upsertConversation(await this.api.conversation(id))
      } catch (err) {
        this.notifyError(err)
        return
      }
    }
    const c = this.state.conversations[id]
    if (c?.kind === 'group' && c.group) void this.loadMembers(c.group.id)
    const t = this.state.timelines[id]
    if (!t?.loaded && !t?.loading) await this.loadLatest(id)
    this.#markActiveRead()
  }

  async openDirect(userId: string): Promise<void> {
    try {
      const conv = await this.api.direct(userId)
      this.upsertConversation(conv)
      this.setTab('chats')
      await this.openConversation(conv.id)
    } catch (err) {
      this.notifyError(err)
    }
  }

  async openGroup(group: Group): Promise<void> {
    this.setTab('chats')
    await this.openConversation(group.conversationId)
  }

  #setTimeline(id: string, fn: (t: Timeline) => Timeline): void {
    this.#set((s) => ({ ...s, timelines: { ...s.timelines, [id]: fn(s.timelines[id] ?? emptyTimeline) } }))
  }

  async loadLatest(id: string): Promise<void> {
    this.#setTimeline(id, (t) => ({ ...t, loading: true }))
    try {
      const page = await this.api.messages(id, { limit: PAGE })
      this.#setTimeline(id, (t) => ({
        messages: mergeMessages(t.messages, page.items),
        hasMore: t.loaded ? t.hasMore : page.hasMore,
        loading: false,
        loaded: true,
      }))
      this.ensureUsers(peopleIn(page.items))
      if (page.items.length) this.#socket?.advance(id, lastSeqOf(page.items))
    } catch (err) {
      this.#setTimeline(id, (t) => ({ ...t, loading: false }))
      this.notifyError(err)
    }
  }

  async loadOlder(id: string): Promise<void> {
    const t = this.state.timelines[id]
    if (!t || t.loading || !t.hasMore || !t.messages.length) return
    this.#setTimeline(id, (x) => ({ ...x, loading: true }))
    try {
      const page = await this.api.messages(id, { before: t.messages[0]!.seq, limit: PAGE })
      this.#setTimeline(id, (x) => ({ ...x, messages: mergeMessages(x.messages, page.items), hasMore: page.hasMore, loading: false }))
      this.ensureUsers(peopleIn(page.items))
    } catch (err) {
      this.#setTimeline(id, (x) => ({ ...x, loading: false }))
      this.notifyError(err)
    }
  }

  async setPinned(id: string, pinned: boolean): Promise<void> {
    await this.#patchConversation(id, { pinned })
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    await this.#patchConversation(id, { muted })
  }

  async #patchConversation(id: string, patch: { pinned?: boolean; muted?: boolean }): Promise<void> {
    const before = this.state.conversations[id]
    if (!before) return
    this.upsertConversation({ ...before, ...patch })
    try {
      this.upsertConversation(await this.api.updateConversation(id, patch))
    } catch (err) {
      this.upsertConversation(before)
      this.notifyError(err)
    }
  }

  /** Marks the open conversation read when the user can actually see it. */
  #markActiveRead(): void {
    const id = this.state.activeId
    if (!id || document.hidden) return
    const c = this.state.conversations[id]
    if (!c) return
    const seq = Math.max(c.lastSeq, lastSeqOf(this.state.timelines[id]?.messages ?? []))
    if (seq <= c.readSeq && c.unreadCount === 0) return
    this.#set((s) => {
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
        this.api.markRead(id, seq).catch(() => {})
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
    this.#set((s) => ({ ...s, pending: { ...s.pending, [conversationId]: [...(s.pending[conversationId] ?? []), pending] } }))
    await this.#deliver(pending)
  }

  /** Sends a failed message again with the SAME clientMsgId, so the server stores it once. */
  async retry(conversationId: string, clientMsgId: string): Promise<void> {
    const p = this.state.pending[conversationId]?.find((x) => x.clientMsgId === clientMsgId)
    if (!p || p.status === 'sending') return
    this.#updatePending(p, { status: 'sending', error: null })
    await this.#deliver({ ...p, status: 'sending' })
  }

  discard(conversationId: string, clientMsgId: string): void {
    this.#set((s) => ({
      ...s,
      pending: { ...s.pending, [conversationId]: (s.pending[conversationId] ?? []).filter((x) => x.clientMsgId !== clientMsgId) },
    }))
  }

  async #deliver(p: PendingMessage): Promise<void> {
    const content: TextContent = { text: p.text }
    if (p.mentions.length) content.mentions = p.mentions
    if (p.replyTo) content.replyTo = p.replyTo
    try {
      const { message } = await this.api.send(p.conversationId, { clientMsgId: p.clientMsgId, type: 'text', content })
      this.#applyMessage(message, false)
    } catch (err) {
      this.#updatePending(p, { status: 'failed', error: err instanceof ApiError ? err.code : 'network' })
      if (!(err instanceof ApiError && err.transient)) this.notifyError(err)
    }
  }

  #updatePending(p: PendingMessage, patch: Partial<PendingMessage>): void {
    this.#set((s) => ({
      ...s,
      pending: {
        ...s.pending,
        [p.conversationId]: (s.pending[p.conversationId] ?? []).map((x) => (x.clientMsgId === p.clientMsgId ? { ...x, ...patch } : x)),
      },
    }))
  }

  /** After a reconnect, sends again what failed for lack of a connection. */
  #retryTransientFailures(): void {
    for (const list of Object.values(this.state.pending)) {
      for (const p of list) {
        if (p.status === 'failed' && (p.error === 'network' || p.error === 'internal' || p.error === 'service.unavailable')) {
          void this.retry(p.conversationId, p.clientMsgId)
        }
      }
    }
  }

  sendTyping(conversationId: string): void {
    const now = Date.now()
    if (now - (this.#lastTypingSent.get(conversationId) ?? 0) < 3000) return
    this.#lastTypingSent.set(conversationId, now)
    this.#socket?.send({ type: 'typing', conversationId })
  }

  // ------------------------------------------------------------ socket events

  #onSocket(e: ChatSocketEvent): void {
    switch (e.kind) {
      case 'status':
        this.#set((s) => ({ ...s, connection: { status: e.status, retryAt: e.retryAt } }))
        return
      case 'ready':
        if (e.reconnected) {
          void this.loadConversations()
          void this.loadFriends()
          void this.loadRequests()
          void this.loadInvitations()
          this.#retryTransientFailures()
        }
        return
      case 'message':
        this.#applyMessage(e.message, true)
        return
      case 'repair':
        void this.#repair(e.conversationId)
        return
      case 'revoked':
        this.#sessionEnded()
        return
      case 'frame':
        this.#onFrame(e.frame)
    }
  }

  /** Stores a message from any source: timeline, conversation summary, pending list, unread count. */
  #applyMessage(m: Message, live: boolean): void {
    const me = this.me
    const own = m.senderId !== null && m.senderId === me
    const s0 = this.state
    const known = s0.conversations[m.conversationId]
    const visible = s0.activeId === m.conversationId && !document.hidden
    this.#set((s) => {
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
      void this.api
        .conversation(m.conversationId)
        .then((c) => this.upsertConversation(c))
        .catch(() => {})
    }
    this.ensureUsers(peopleIn([m]))
    if (!own && live) {
      if (visible) this.#markActiveRead()
      else this.#maybeNotify(m)
    }
  }

  #maybeNotify(m: Message): void {
    const s = this.state
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
  async #repair(id: string): Promise<void> {
    if (this.#repairing.has(id)) return
    this.#repairing.add(id)
    try {
      const socket = this.#socket
      const t = this.state.timelines[id]
      if (t?.loaded && socket) {
        const from = socket.sequencer.position(id) ?? lastSeqOf(t.messages)
        const page = await this.api.messages(id, { after: from, limit: 200 })
        if (!page.hasMore) {
          this.#setTimeline(id, (x) => ({ ...x, messages: mergeMessages(x.messages, page.items) }))
          for (const m of page.items) this.#applyMessage(m, false)
          socket.advance(id, Math.max(from, lastSeqOf(page.items)))
        } else {
          // too much missed: show the latest page; older pages load on scroll
          const latest = await this.api.messages(id, { limit: PAGE })
          this.#setTimeline(id, () => ({ messages: latest.items, hasMore: latest.hasMore, loading: false, loaded: true }))
          socket.advance(id, lastSeqOf(latest.items))
        }
      }
      const conv = await this.api.conversation(id)
      this.upsertConversation(conv)
      if (!t?.loaded) socket?.advance(id, conv.lastSeq)
      if (this.state.activeId === id) this.#markActiveRead()
    } catch (err) {
      if (!(err instanceof ApiError && err.transient)) this.notifyError(err)
    } finally {
      this.#repairing.delete(id)
    }
  }

  #onFrame(frame: ServerFrame): void {
    const me = this.me
    switch (frame.type) {
      case 'message.updated':
      case 'message.recalled': {
        const m = frame.message
        if (m) {
          this.#set((s) => {
            const t = s.timelines[m.conversationId]
            const c = s.conversations[m.conversationId]
            return {
              ...s,
              timelines: t ? { ...s.timelines, [m.conversationId]: { ...t, messages: mergeMessages(t.messages, [m]) } } : s.timelines,
              conversations: c && c.lastMessage?.seq === m.seq ? { ...s.conversations, [c.id]: { ...c, lastMessage: m } } : s.conversations,
            }
          })
        } else if (frame.type === 'message.recalled' && frame.conversationId && frame.seq) {
          const { conversationId, seq } = frame
          this.#setTimeline(conversationId, (t) => ({
            ...t,
            messages: t.messages.map((x) => (x.seq === seq ? { ...x, content: {}, recalledAt: new Date().toISOString() } : x)),
          }))
        }
        return
      }
      case 'conversation.updated':
        this.upsertConversation(frame.conversation)
        return
      case 'conversation.read': {
        const { conversationId, userId, seq } = frame
        this.#set((s) => {
          const c = s.conversations[conversationId]
          if (userId === me) {
            if (!c || seq <= c.readSeq) return s
            return {
              ...s,
              conversations: { ...s.conversations, [c.id]: { ...c, readSeq: seq, unreadCount: Math.max(0, c.lastSeq - seq) } },
            }
          }
          if ((s.peerRead[conversationId] ?? 0) >= seq) return s
          return { ...s, peerRead: { ...s.peerRead, [conversationId]: seq } }
        })
        return
      }
      case 'typing': {
        if (frame.userId === me) return
        const until = Date.now() + 5000
        this.#set((s) => ({
          ...s,
          typing: { ...s.typing, [frame.conversationId]: { ...s.typing[frame.conversationId], [frame.userId]: until } },
        }))
        this.ensureUsers([frame.userId])
        const { conversationId, userId } = frame
        setTimeout(() => {
          this.#set((s) => {
            const cur = s.typing[conversationId]
            if (!cur || (cur[userId] ?? 0) > Date.now()) return s
            const rest = { ...cur }
            delete rest[userId]
            return { ...s, typing: { ...s.typing, [conversationId]: rest } }
          })
        }, 5100)
        return
      }
      case 'presence':
        this.#set((s) => ({ ...s, presence: { ...s.presence, [frame.userId]: { status: frame.status, connected: frame.connected } } }))
        return
      case 'friend.request':
      case 'friend.request_updated':
        this.#onFriendRequest(frame.request)
        return
      case 'friend.removed':
        this.#set((s) => {
          const friends = { ...s.friends }
          delete friends[frame.userId]
          return { ...s, friends }
        })
        return
      case 'group.invitation':
        void this.loadInvitations()
        this.notify({ kind: 'info', key: 'groups.invitationReceived', params: { name: frame.invitation?.group?.name ?? '' } })
        return
      case 'group.dissolved':
        this.#dropGroup(frame.groupId)
        return
      case 'group.member_left':
        if (frame.userId === me) this.#dropGroup(frame.groupId)
        else if (this.state.members[frame.groupId]) void this.loadMembers(frame.groupId)
        return
      case 'group.member_joined':
        if (me && frame.userIds?.includes(me)) {
          void this.loadGroups()
          void this.loadConversations()
        }
        if (this.state.members[frame.groupId]) void this.loadMembers(frame.groupId)
        if (frame.group) this.#mergeGroup(frame.group)
        return
      case 'group.member_updated':
        if (this.state.members[frame.groupId]) void this.loadMembers(frame.groupId)
        return
      case 'group.updated':
        if (frame.group) this.#mergeGroup(frame.group)
        return
      case 'error':
        // a resume named a conversation we are no longer in
        if (frame.code === 'conversation.not_found' && frame.conversationId) this.#socket?.sequencer.forget(frame.conversationId)
        return
      default:
        return
    }
  }

  #onFriendRequest(r: FriendRequest): void {
    const me = this.me
    if (!r) return
    this.#set((s) => {
      const incomingRest = s.incoming.filter((x) => x.id !== r.id)
      const outgoingRest = s.outgoing.filter((x) => x.id !== r.id)
      return {
        ...s,
        incoming: r.toUserId === me ? [r, ...incomingRest] : incomingRest,
        outgoing: r.fromUserId === me ? [r, ...outgoingRest] : outgoingRest,
      }
    })
    if (r.status === 'pending' && r.toUserId === me) {
      this.notify({ kind: 'info', key: 'friends.requestReceived', params: { name: r.from.nickname || r.from.username } })
      if (document.hidden)
        showNotification(r.from.nickname || r.from.username, translate(this.state.locale, 'friends.wantsToBeFriends'), `fr-${r.id}`)
    }
    if (r.status === 'accepted') {
      void this.loadFriends()
      void this.loadConversations()
    }
  }

  /** Group views pushed to everyone carry no `myRole`; keep ours. */
  #mergeGroup(group: Group): void {
    this.#set((s) => {
      const old = s.groups[group.id]
      if (!old) return s
      return { ...s, groups: { ...s.groups, [group.id]: { ...old, ...group, myRole: group.myRole ?? old.myRole } } }
    })
    this.#set((s) => {
      const c = Object.values(s.conversations).find((x) => x.group?.id === group.id)
      if (!c?.group || c.group.name === group.name) return s
      return { ...s, conversations: { ...s.conversations, [c.id]: { ...c, group: { ...c.group, name: group.name } } } }
    })
  }

  #dropGroup(groupId: string): void {
    this.#set((s) => {
      const g = s.groups[groupId]
      const groups = { ...s.groups }
      delete groups[groupId]
      const conversations = { ...s.conversations }
      const convId = g?.conversationId ?? Object.values(s.conversations).find((c) => c.group?.id === groupId)?.id
      if (convId) {
        delete conversations[convId]
        this.#socket?.sequencer.forget(convId)
      }
      return { ...s, groups, conversations, activeId: s.activeId === convId ? null : s.activeId }
    })
  }

  // ------------------------------------------------------------ friends

  async searchUsers(q: string): Promise<PublicUser[]> {
    const res = await this.api.searchUsers(q)
    return res.items
  }

  async sendFriendRequest(userId: string, note: string, greeting: string): Promise<boolean> {
    try {
      const res = await this.api.sendFriendRequest({ userId, ...(note ? { note } : {}), ...(greeting ? { greeting } : {}) })
      const request = unwrap<FriendRequest>(res, 'request')
      if (request?.id) this.#onFriendRequest(request)
      if (request?.status === 'accepted') this.notify({ kind: 'info', key: 'friends.nowFriends' })
      else this.notify({ kind: 'info', key: 'friends.requestSent' })
      return true
    } catch (err) {
      this.notifyError(err)
      return false
    }
  }

  async answerRequest(r: FriendRequest, answer: 'accept' | 'reject'): Promise<void> {
    try {
      if (answer === 'accept') await this.api.acceptFriendRequest(r.id)
      else await this.api.rejectFriendRequest(r.id)
      this.#set((s) => ({
        ...s,
        incoming: s.incoming.map((x) => (x.id === r.id ? { ...x, status: answer === 'accept' ? 'accepted' : 'rejected' } : x)),
      }))
      if (answer === 'accept') await Promise.all([this.loadFriends(), this.loadConversations()])
    } catch (err) {
      this.notifyError(err)
      void this.loadRequests()
    }
  }

  async withdrawRequest(r: FriendRequest): Promise<void> {
    try {
      await this.api.withdrawFriendRequest(r.id)
      this.#set((s) => ({ ...s, outgoing: s.outgoing.filter((x) => x.id !== r.id) }))
    } catch (err) {
      this.notifyError(err)
    }
  }

  async setRemark(userId: string, remark: string): Promise<void> {
    try {
      const res = await this.api.setRemark(userId, remark)
      this.#set((s) => {
        const f = s.friends[userId]
        if (!f) return s
        const updated: Friend = res && typeof res === 'object' && 'user' in res ? { ...f, ...res } : { ...f, remark }
        return { ...s, friends: { ...s.friends, [userId]: updated } }
      })
    } catch (err) {
      this.notifyError(err)
    }
  }

  async removeFriend(userId: string): Promise<void> {
    try {
      await this.api.removeFriend(userId)
      this.#set((s) => {
        const friends = { ...s.friends }
        delete friends[userId]
        return { ...s, friends }
      })
    } catch (err) {
      this.notifyError(err)
    }
  }

  async block(userId: string): Promise<void> {
    try {
      await this.api.block(userId)
      await Promise.all([this.loadBlocks(), this.loadFriends(), this.loadRequests()])
    } catch (err) {
      this.notifyError(err)
    }
  }

  async unblock(userId: string): Promise<void> {
    try {
      await this.api.unblock(userId)
      await this.loadBlocks()
    } catch (err) {
      this.notifyError(err)
    }
  }

  // ------------------------------------------------------------ groups

  async createGroup(name: string, memberIds: string[], joinPolicy: Group['joinPolicy']): Promise<Group | null> {
    try {
      const res = await this.api.createGroup({ name, memberIds, joinPolicy })
      const group = unwrap<Group>(res, 'group')
      this.#set((s) => ({ ...s, groups: { ...s.groups, [group.id]: group } }))
      await this.loadConversations()
      await this.openGroup(group)
      return group
    } catch (err) {
      this.notifyError(err)
      return null
    }
  }

  async searchGroups(q: string): Promise<Group[]> {
    const res = await this.api.searchGroups(q)
    return res.items
  }

  async joinGroup(group: Group): Promise<void> {
    try {
      const res = await this.api.joinGroup(group.id)
      if (res?.joinRequest) {
        this.notify({ kind: 'info', key: 'groups.requestSent' })
        return
      }
      await Promise.all([this.loadGroups(), this.loadConversations()])
      await this.openGroup(this.state.groups[group.id] ?? group)
    } catch (err) {
      this.notifyError(err)
    }
  }

  async leaveGroup(groupId: string): Promise<boolean> {
    try {
      await this.api.leaveGroup(groupId)
      this.#dropGroup(groupId)
      return true
    } catch (err) {
      this.notifyError(err)
      return false
    }
  }

  async invite(groupId: string, userIds: string[]): Promise<void> {
    try {
      await this.api.inviteMembers(groupId, userIds)
      this.notify({ kind: 'info', key: 'groups.invited' })
      await this.loadMembers(groupId)
    } catch (err) {
      this.notifyError(err)
    }
  }

  async answerInvitation(id: string, answer: 'accept' | 'reject'): Promise<void> {
    try {
      const res = await this.api.answerInvitation(id, answer)
      this.#set((s) => ({ ...s, invitations: s.invitations.filter((i) => i.id !== id) }))
      if (res?.joinRequest) this.notify({ kind: 'info', key: 'groups.requestSent' })
      if (answer === 'accept') await Promise.all([this.loadGroups(), this.loadConversations()])
    } catch (err) {
      this.notifyError(err)
      void this.loadInvitations()
    }
  }
}

/** Senders, and the people system messages name. */
function peopleIn(messages: Message[]): Array<string | null> {
  const ids: Array<string | null> = []
  for (const m of messages) {
    ids.push(m.senderId)
    if (m.type === 'system') {
      const { userId, actorId } = m.content as { userId?: unknown; actorId?: unknown }
      if (typeof userId === 'string') ids.push(userId)
      if (typeof actorId === 'string') ids.push(actorId)
    }
  }
  return ids
}

/** localStorage that never throws (private mode, disabled storage). */
const safeStorage = {
  get(key: string): string | null {
    try {
      return localStorage.getItem(key)
    } catch {
      return null
    }
  },
  set(key: string, value: string): void {
    try {
      localStorage.setItem(key, value)
    } catch {
      // not persisted
    }
  },
  remove(key: string): void {
    try {
      localStorage.removeItem(key)
    } catch {
      // ignore
    }
  },
}
