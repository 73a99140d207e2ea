/**
 * The client's brain: the session (sign in, boot, socket) and the actions components call,
 * grouped by subject (`conversations`, `history`, `messages`, `friends`, `groups`...).
 * Components never fetch on their own. The wire work (REST, the socket's auth, heartbeat,
 * reconnect, resume, gap fill and dedupe, the outbox) is the SDK's, `@jim/client`.
 */
import { ApiError, JimClient, type ApiClient, type SocketEvent } from '@jim/client'
import type { ServerFrame } from '../api/types.js'
import type { Locale } from '../i18n/index.js'
import { initialState, signedOut, type State, type Tab } from '../store/state.js'
import { Store } from '../store/store.js'
import { AccountActions } from './account-actions.js'
import { AdminActions } from './admin-actions.js'
import { CallActions } from './call-actions.js'
import { ChatEvents } from './chat-events.js'
import { AppContext } from './context.js'
import { ConversationList } from './conversation-list.js'
import { FriendActions } from './friend-actions.js'
import { GroupActions } from './group-actions.js'
import { History } from './history.js'
import { MessageActions } from './message-actions.js'
import { SearchActions } from './search-actions.js'
import { SavedOutbox } from './saved-outbox.js'
import { safeStorage } from './storage.js'

const TOKEN_KEY = 'jim.token'
const LOCALE_KEY = 'jim.locale'
/** set once someone signed in with this browser: the sign-in form then opens on "Sign in", else on "Create account" */
const ACCOUNT_HERE_KEY = 'jim.accountHere'

export function hasAccountHere(): boolean {
  return safeStorage.get(ACCOUNT_HERE_KEY) === '1' || safeStorage.get(TOKEN_KEY) !== null
}

type CaptchaAnswer = { id: string; answer: string }

export class Controller {
  readonly store: Store<State>
  readonly conversations: ConversationList
  readonly history: History
  readonly messages: MessageActions
  readonly search: SearchActions
  readonly friends: FriendActions
  readonly groups: GroupActions
  readonly account: AccountActions
  readonly admin: AdminActions
  readonly calls: CallActions
  readonly #c: AppContext
  readonly #events: ChatEvents
  readonly #savedOutbox = new SavedOutbox(safeStorage)
  /** whose unsent messages are kept across reloads (set once they were restored at boot) */
  #savingFor: string | null = null

  constructor(locale: Locale) {
    const token = safeStorage.get(TOKEN_KEY)
    this.store = new Store(initialState(locale, token))
    const client = new JimClient({
      baseUrl: '',
      // a message typed offline waits in the outbox until the server answers; only a refusal fails it
      sendAttempts: Infinity,
      onUnauthorized: () => this.#sessionEnded(),
      repair: (id, lastSeq) => this.history.repair(id, lastSeq),
    })
    client.api.token = token
    this.#c = new AppContext(client, this.store)
    this.conversations = new ConversationList(this.#c, {
      loadMembers: (groupId) => this.groups.loadMembers(groupId),
      loadLatest: (id) => this.history.loadLatest(id),
    })
    this.history = new History(this.#c, this.conversations)
    this.messages = new MessageActions(this.#c)
    this.search = new SearchActions(this.#c, this.conversations)
    this.#events = new ChatEvents(this.#c, this.conversations)
    this.groups = new GroupActions(this.#c, this.conversations)
    this.friends = new FriendActions(this.#c, this.conversations)
    this.account = new AccountActions(this.#c)
    this.admin = new AdminActions(this.#c)
    this.calls = new CallActions(this.#c)
    client.socket.subscribe((e) => this.#onSocket(e))
    let lastPending = this.state.pending
    this.store.subscribe(() => {
      if (this.#savingFor && this.state.pending !== lastPending) this.#savedOutbox.save(this.#savingFor, this.state.pending)
      lastPending = this.state.pending
    })
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.conversations.markActiveRead()
    })
    window.addEventListener('online', () => this.#c.socket.reconnectNow())
    if (token) void this.#boot()
  }

  /** The REST client (components read file URLs and the captcha through it). */
  get api(): ApiClient {
    return this.#c.api
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
    safeStorage.set(ACCOUNT_HERE_KEY, '1')
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
      await this.#c.client.logout()
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
    this.#c.socket.reconnectNow()
  }

  #sessionEnded(): void {
    if (!this.state.auth) return
    this.#signOut()
    this.#c.notify({ kind: 'info', key: 'auth.sessionEnded' })
  }

  #signOut(): void {
    if (this.#savingFor) this.#savedOutbox.forget(this.#savingFor)
    this.#savingFor = null
    this.#c.client.forget()
    safeStorage.remove(TOKEN_KEY)
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
      this.conversations.loadConversations(),
      this.friends.loadFriends(),
      this.friends.loadRequests(),
      this.friends.loadBlocks(),
      this.groups.loadGroups(),
      this.groups.loadInvitations(),
      this.#loadLimits(),
    ])
    this.#restoreOutbox()
    this.#startSocket()
  }

  /** Messages left unsent by the last visit go out now (once: they keep their clientMsgIds). */
  #restoreOutbox(): void {
    const userId = this.state.auth?.user?.id
    if (!userId || this.#savingFor === userId) return
    this.messages.restore(this.#savedOutbox.load(userId))
    this.#savingFor = userId
    this.#savedOutbox.save(userId, this.state.pending)
  }

  /** The server's limits (edit and recall windows...) before the socket's `ready` repeats them. */
  async #loadLimits(): Promise<void> {
    await this.#c.quietly(async () => {
      const { limits } = await this.api.config()
      this.#c.set((s) => ({ ...s, limits: s.limits ?? limits }))
    })
  }

  /** Opens the socket; `resume` starts from what the conversation list said (seeded as it loaded). */
  #startSocket(): void {
    const token = this.state.auth?.token
    if (token) this.#c.socket.start(token)
  }

  #onSocket(e: SocketEvent): void {
    switch (e.kind) {
      case 'state':
        this.#c.set((s) => ({ ...s, connection: { state: e.state, retryAt: e.retryAt, attempt: e.attempt, stopped: e.stopped } }))
        return
      case 'ready':
        this.#c.set((s) => ({ ...s, limits: e.frame.limits }))
        this.calls.socketReady(e.frame.connectionId)
        // messages come back through resume; the lists may have changed since they were read (at boot, or
        // before the socket went down) with no frame to say so
        if (e.reconnected) void this.conversations.loadConversations()
        void this.friends.loadFriends()
        void this.friends.loadRequests()
        void this.groups.loadInvitations()
        return
      case 'message':
        this.#events.onMessage(e.message)
        return
      case 'repair':
        // the SDK calls `history.repair` (the `repair` option)
        return
      case 'revoked':
        this.#sessionEnded()
        return
      case 'frame':
        this.#route(e.frame)
    }
  }

  #route(frame: ServerFrame): void {
    if (frame.type.startsWith('call.') || (frame.type === 'error' && String(frame.replyTo).startsWith('call-'))) this.calls.onFrame(frame)
    else if (frame.type.startsWith('group.')) this.groups.onFrame(frame)
    else if (frame.type.startsWith('friend.') || frame.type === 'presence') this.friends.onFrame(frame)
    else this.#events.onFrame(frame)
  }
}
