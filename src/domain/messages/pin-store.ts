import type { Message } from './message.js'

/** One pinned message of a conversation. */
export interface Pin {
  conversationId: string
  seq: number
  pinnedBy: string
  pinnedAt: number
}

/** A pin or unpin with its system message, stored in one transaction. */
export type PinChange =
  | { kind: 'changed'; message: Message; membershipVersion: number }
  /** already pinned (pin) or not pinned (unpin): nothing written */
  | { kind: 'unchanged' }
  /** the conversation has `max` pins already */
  | { kind: 'limit' }

/**
 * Pinned messages. Each change appends a `system` message (`message_pinned` / `message_unpinned`
 * with the seq and the actor) in the same transaction, whose counter lock also serializes the
 * limit check.
 */
export interface PinStore {
  pin(q: { conversationId: string; seq: number; actorId: string; now: number; max: number }): Promise<PinChange>
  unpin(q: { conversationId: string; seq: number; actorId: string; now: number }): Promise<PinChange>
  /** The pins of these conversations, newest pin first. */
  list(conversationIds: readonly string[]): Promise<Pin[]>
}
