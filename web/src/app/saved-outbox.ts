/**
 * The outbox across reloads: messages still `sending` are kept in localStorage per signed-in
 * user, so one typed offline survives a reload (or a closed tab) and goes out once when the app
 * boots again; the clientMsgId it keeps makes a resend of one the server already stored harmless.
 * Forgotten on sign-out: the next person at this browser must not send them.
 */
import type { PendingMessage } from '../store/timeline.js'

const PREFIX = 'jim.outbox.'

/** The part of localStorage used here (tests pass a Map-backed one). */
export interface KeyValueStorage {
  get(key: string): string | null
  set(key: string, value: string): void
  remove(key: string): void
}

export class SavedOutbox {
  readonly #storage: KeyValueStorage

  constructor(storage: KeyValueStorage) {
    this.#storage = storage
  }

  /** The user's unsent messages, oldest first; what does not parse is dropped. */
  load(userId: string): PendingMessage[] {
    const raw = this.#storage.get(PREFIX + userId)
    if (!raw) return []
    try {
      const list: unknown = JSON.parse(raw)
      return Array.isArray(list) ? list.filter(isSaved).map((p) => ({ ...p, status: 'sending' as const, error: null })) : []
    } catch {
      return []
    }
  }

  /** Keeps exactly the messages still sending (none: the key goes). */
  save(userId: string, pending: Record<string, readonly PendingMessage[]>): void {
    const sending = Object.values(pending)
      .flat()
      .filter((p) => p.status === 'sending')
      .map(({ clientMsgId, conversationId, type, content, createdAt }) => ({ clientMsgId, conversationId, type, content, createdAt }))
    if (sending.length === 0) this.#storage.remove(PREFIX + userId)
    else this.#storage.set(PREFIX + userId, JSON.stringify(sending))
  }

  forget(userId: string): void {
    this.#storage.remove(PREFIX + userId)
  }
}

function isSaved(p: unknown): p is Omit<PendingMessage, 'status' | 'error'> {
  if (!p || typeof p !== 'object') return false
  const o = p as Record<string, unknown>
  return (
    typeof o.clientMsgId === 'string' &&
    typeof o.conversationId === 'string' &&
    typeof o.type === 'string' &&
    typeof o.createdAt === 'string' &&
    !!o.content &&
    typeof o.content === 'object'
  )
}
