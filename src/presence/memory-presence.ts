import type { Presence } from '../domain/users/presence.js'

/** Presence for one process: a set of connection ids per user. */
export class MemoryPresence implements Presence {
  readonly #byUser = new Map<string, Set<string>>()

  async connect(userId: string, connectionId: string): Promise<boolean> {
    let set = this.#byUser.get(userId)
    if (!set) this.#byUser.set(userId, (set = new Set()))
    set.add(connectionId)
    return set.size === 1
  }

  async disconnect(userId: string, connectionId: string): Promise<boolean> {
    const set = this.#byUser.get(userId)
    if (!set || !set.delete(connectionId)) return false
    if (set.size === 0) this.#byUser.delete(userId)
    return set.size === 0
  }

  async connectedAmong(userIds: readonly string[]): Promise<Set<string>> {
    return new Set(userIds.filter((id) => this.#byUser.has(id)))
  }

  /** One process: sockets only change through connect/disconnect. */
  onChanged(): void {}

  /** One process: nothing is ever lost. */
  onReasserted(): void {}

  async close(): Promise<void> {}
}
