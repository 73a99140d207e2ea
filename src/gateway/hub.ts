import type { Connection } from './connection.js'

/** This instance's sockets, by user. Knows nothing of the broker or the database. */
export class Hub {
  readonly #byUser = new Map<string, Set<Connection>>()

  add(conn: Connection): void {
    let set = this.#byUser.get(conn.userId)
    if (!set) this.#byUser.set(conn.userId, (set = new Set()))
    set.add(conn)
  }

  /** Removes a socket; returns true when it was the user's last one here. */
  remove(conn: Connection): boolean {
    const set = this.#byUser.get(conn.userId)
    if (!set) return false
    set.delete(conn)
    if (set.size === 0) this.#byUser.delete(conn.userId)
    return set.size === 0
  }

  socketsOf(userId: string): ReadonlySet<Connection> {
    return this.#byUser.get(userId) ?? new Set()
  }

  countOf(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0
  }

  /** Users with at least one socket here. */
  users(): IterableIterator<string> {
    return this.#byUser.keys()
  }

  *all(): IterableIterator<Connection> {
    for (const set of this.#byUser.values()) yield* set
  }

  /** Number of users with at least one socket here. */
  get userCount(): number {
    return this.#byUser.size
  }

  get size(): number {
    let n = 0
    for (const set of this.#byUser.values()) n += set.size
    return n
  }
}
