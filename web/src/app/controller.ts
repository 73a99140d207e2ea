/**
 * The client's brain: the session (sign in, boot, socket) and the actions components call,
 * grouped by subject (`chat`, `friends`, `groups`). Components never fetch on their own.
 */
import { AccountActions } from './account-actions.js'
import { AdminActions } from './admin-actions.js'
import { ApiClient, ApiError } from '../api/client.js'
import { ChatSocket, type ChatSocketEvent } from '../api/socket.js'
import type { ServerFrame } from '../api/types.js'
import type { Locale } from '../i18n/index.js'
import { initialState, signedOut, type State, type Tab } from '../store/state.js'
import { Store } from '../store/store.js'
import { ChatActions } from './chat-actions.js'
import { AppContext } from './context.js'
import { FriendActions } from './friend-actions.js'
import { GroupActions } from './group-actions.js'
import { safeStorage } from './storage.js'

const TOKEN_KEY = 'jim.token'
const LOCALE_KEY = 'jim.locale'

type CaptchaAnswer = { id: string; answer: string }

export class Controller {
  readonly api: ApiClient
  readonly store: Store<State>
  readonly chat: ChatActions
  readonly friends: FriendActions
  readonly groups: GroupActions
  readonly account: AccountActions
  readonly admin: AdminActions
  readonly #c: AppContext

  constructor(locale: Locale) {
    const token = safeStorage.get(TOKEN_KEY)
    this.store = new Store(initialState(locale, token))
    this.api = new ApiClient({ onUnauthorized: () => this.#sessionEnded() })
    this.api.token = token
    this.#c = new AppContext(this.api, this.store)
    this.chat = new ChatActions(this.#c, { loadMembers: (groupId) => this.groups.loadMembers(groupId) })
    this.groups = new GroupActions(this.#c, this.chat)
    this.friends = new FriendActions(this.#c, this.chat)
    this.account = new AccountActions(this.#c)
    this.admin = new AdminActions(this.#c)
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.chat.markActiveRead()
    })
    window.addEventListener('online', () => this.#c.socket?.reconnectNow())
    if (token) void this.#boot()
  }

  get state(): State {
    return this.store.getState()
  }

  dismiss(id: number): void {
    this.#c.dismiss(id)
  }

  setTab(tab: Tab): void {
    this.#c.setTab(tab)
  }

  setLocale(locale: Locale): void {
    safeStorage.set(LOCALE_KEY, locale)
    document.documentElement.lang = locale
    this.#c.set((s) => ({ ...s, locale }))
  }

  static storedLocale(): Locale | null {
    const v = safeStorage.get(LOCALE_KEY)
    return v === 'en' || v === 'zh-CN' ? v : null
  }

  // ------------------------------------------------------------ session

  async login(username: string, password: string, captcha?: CaptchaAnswer): Promise<void> {
    const res = await this.api.login({ username: username.trim().toLowerCase(), password, ...(captcha ? { captcha } : {}) })
    safeStorage.set(TOKEN_KEY, res.token)
    this.api.token = res.token
    this.#c.reset()
    this.#c.set((s) => ({ ...initialState(s.locale, res.token), auth: { token: res.token, user: res.user } }))
    await this.#boot()
  }

  async register(body: { username: string; password: string; nickname?: string }, captcha?: CaptchaAnswer): Promise<void> {
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

  /** After the account was deleted: forget the session locally. */
  signOutLocally(): void {
    this.#signOut()
  }

  reconnectNow(): void {
    this.#c.socket?.reconnectNow()
  }

  #sessionEnded(): void {
    if (!this.state.auth) return
    this.#signOut()
    this.#c.notify({ kind: 'info', key: 'auth.sessionEnded' })
  }

  #signOut(): void {
    this.#c.socket?.stop()
    this.#c.socket = null
    safeStorage.remove(TOKEN_KEY)
    this.api.token = null
    this.#c.set(signedOut)
  }

  /** Loads everything a signed-in user sees, then opens the socket. */
  async #boot(): Promise<void> {
    try {
      const user = await this.api.me()
      this.#c.set((s) => (s.auth ? { ...s, auth: { ...s.auth, user } } : s))
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return this.#signOut()
      this.#c.notifyError(err)
    }
    await Promise.all([
      this.chat.loadConversations(),
      this.friends.loadFriends(),
      this.friends.loadRequests(),
      this.friends.loadBlocks(),
      this.groups.loadGroups(),
      this.groups.loadInvitations(),
    ])
    this.#startSocket()
  }

  #startSocket(): void {
    const token = this.state.auth?.token
    if (!token) return
    this.#c.socket?.stop()
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`
    const socket = new ChatSocket({
      url,
      factory: (u) => new WebSocket(u),
      modSeqOf: (id) => this.state.conversations[id]?.modSeq,
    })
    this.#c.socket = socket
    // the positions resume starts from: what the conversation list said
    for (const c of Object.values(this.state.conversations)) socket.sequencer.seed(c.id, c.lastSeq)
    socket.subscribe((e) => this.#onSocket(e))
    socket.start(token)
  }

  #onSocket(e: ChatSocketEvent): void {
    switch (e.kind) {
      case 'status':
        this.#c.set((s) => ({ ...s, connection: { status: e.status, retryAt: e.retryAt } }))
        return
      case 'ready':
        this.#c.set((s) => ({ ...s, limits: e.frame.limits }))
        if (e.reconnected) {
          // messages come back through resume; lists may have changed while we were away
          void this.chat.loadConversations()
          void this.friends.loadFriends()
          void this.friends.loadRequests()
          void this.groups.loadInvitations()
          this.chat.retryTransientFailures()
        }
        return
      case 'message':
        this.chat.applyMessage(e.message, true)
        return
      case 'repair':
        void this.chat.repair(e.conversationId)
        return
      case 'revoked':
        this.#sessionEnded()
        return
      case 'frame':
        this.#route(e.frame)
    }
  }

  #route(frame: ServerFrame): void {
    if (frame.type.startsWith('group.')) this.groups.onFrame(frame)
    else if (frame.type.startsWith('friend.') || frame.type === 'presence') this.friends.onFrame(frame)
    else this.chat.onFrame(frame)
  }
}
