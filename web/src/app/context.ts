import { ApiError, type ApiClient, type JimClient, type JimSocket, type Outbox } from '@jim/client'
import type { Message } from '../api/types.js'
import type { Notice, State, Tab } from '../store/state.js'
import type { Store } from '../store/store.js'

/**
 * What every group of actions shares: the SDK client (REST, socket, outbox), the store,
 * user-facing notices and the profile cache.
 */
export class AppContext {
  #noticeId = 0
  readonly #userFetches = new Set<string>()

  constructor(
    readonly client: JimClient,
    readonly store: Store<State>,
  ) {}

  get api(): ApiClient {
    return this.client.api
  }

  get socket(): JimSocket {
    return this.client.socket
  }

  get outbox(): Outbox {
    return this.client.outbox
  }

  get state(): State {
    return this.store.getState()
  }

  set(fn: (s: State) => State): void {
    this.store.update(fn)
  }

  /** The signed-in user's id. */
  get me(): string | null {
    return this.state.auth?.user?.id ?? null
  }

  setTab(tab: Tab): void {
    this.set((s) => ({ ...s, tab }))
  }

  notify(notice: Omit<Notice, 'id'>): void {
    const id = ++this.#noticeId
    this.set((s) => ({ ...s, notices: [...s.notices.slice(-3), { ...notice, id }] }))
    setTimeout(() => this.dismiss(id), notice.kind === 'error' ? 7000 : 4000)
  }

  notifyError(err: unknown): void {
    if (err instanceof ApiError) this.notify({ kind: 'error', code: err.code, fallback: err.message })
    else this.notify({ kind: 'error', key: 'error.generic' })
  }

  dismiss(id: number): void {
    this.set((s) => ({ ...s, notices: s.notices.filter((n) => n.id !== id) }))
  }

  /** Runs a list load; an endpoint this server lacks (404 route.not_found) just leaves the list empty. */
  async quietly(fn: () => Promise<void>): Promise<void> {
    try {
      await fn()
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'route.not_found' || err.status === 401)) return
      this.notifyError(err)
    }
  }

  /** Fetches profiles we do not know yet (senders in groups and the world, people named by system messages). */
  ensureUsers(ids: Iterable<string | null>): void {
    const s = this.state
    for (const id of ids) {
      if (!id || s.users[id] || this.#userFetches.has(id) || id === this.me) continue
      this.#userFetches.add(id)
      void this.api
        .user(id)
        .then((u) => this.set((st) => ({ ...st, users: { ...st.users, [u.id]: u } })))
        .catch(() => {})
    }
  }

  /** A new session starts with an empty cache. */
  reset(): void {
    this.#userFetches.clear()
  }
}

/** Senders, and the people system messages name. */
export function peopleIn(messages: readonly Message[]): Array<string | null> {
  const ids: Array<string | null> = []
  for (const m of messages) {
    ids.push(m.senderId)
    if (m.type === 'system') {
      // everyone a system line names (systemText): the subject, the actor, a new owner, those added
      const { userId, actorId, toId, userIds } = m.content as { userId?: unknown; actorId?: unknown; toId?: unknown; userIds?: unknown }
      for (const id of [userId, actorId, toId, ...(Array.isArray(userIds) ? userIds : [])]) if (typeof id === 'string') ids.push(id)
    }
  }
  return ids
}
