/**
 * Which users have live sockets, across all instances. `connect`/`disconnect` report
 * transitions so presence events are published once per change, not once per socket.
 */
export interface Presence {
  /** Records a socket; true when the user had none anywhere before. */
  connect(userId: string, connectionId: string): Promise<boolean>
  /** Forgets a socket; true when it was the user's last one anywhere. */
  disconnect(userId: string, connectionId: string): Promise<boolean>
  /** The subset of `userIds` with at least one live socket. */
  connectedAmong(userIds: readonly string[]): Promise<Set<string>>
  /**
   * Sets the handler for users whose connected state may have changed without a
   * `connect`/`disconnect` call here: an instance died and its sockets expired, or this
   * instance re-registered its sockets after Redis lost them. The handler republishes their
   * presence (a spurious call is harmless). One process never calls it.
   */
  onChanged(handler: (userIds: readonly string[]) => Promise<void>): void
  /**
   * Subscribes what runs after this instance wrote its sockets back (the shared presence had
   * lost them, or a socket change could not be written): until then other instances did not
   * route events to them, so the gateway asks its sockets to `sync`. One process never calls it.
   */
  onReasserted(handler: () => void): void
  close(): Promise<void>
}
