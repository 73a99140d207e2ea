import type { Message } from '@jim/protocol'

/** What `accept` did with one pushed message. */
export interface AcceptResult {
  /** messages now deliverable, in seq order (the accepted one and any buffered successors) */
  deliver: Message[]
  /** the message was already delivered or is already waiting */
  duplicate: boolean
  /** set when the message left a hole: resume this conversation from this seq */
  gapFrom: number | null
}

/**
 * Per conversation, the last seq delivered in order (`position`). A message at `position+1`
 * is delivered (with any buffered followers), one at or below it is a duplicate, one further
 * ahead waits in a bounded buffer while the hole is filled (by `resume`, or by history).
 */
export class MessageSequencer {
  static readonly MAX_BUFFERED = 1000
  readonly #positions = new Map<string, number>()
  readonly #buffers = new Map<string, Map<number, Message>>()

  position(conversationId: string): number | undefined {
    return this.#positions.get(conversationId)
  }

  /** Every known position, as `resume` wants them. */
  positions(): Record<string, number> {
    return Object.fromEntries(this.#positions)
  }

  /** Starts tracking a conversation at `seq` (from the conversation list); a known one keeps its position. */
  seed(conversationId: string, seq: number): void {
    if (!this.#positions.has(conversationId)) this.#positions.set(conversationId, seq)
  }

  /** Stops tracking a conversation (left or dissolved). */
  forget(conversationId: string): void {
    this.#positions.delete(conversationId)
    this.#buffers.delete(conversationId)
  }

  /** Forgets every conversation (another user signs in next). */
  clear(): void {
    this.#positions.clear()
    this.#buffers.clear()
  }

  hasGap(conversationId: string): boolean {
    return (this.#buffers.get(conversationId)?.size ?? 0) > 0
  }

  accept(message: Message): AcceptResult {
    const id = message.conversationId
    const position = this.#positions.get(id)
    if (position === undefined) {
      // a conversation we did not list yet (new friend, new group): start here
      this.#positions.set(id, message.seq)
      return { deliver: [message, ...this.#flush(id)], duplicate: false, gapFrom: null }
    }
    if (message.seq <= position) return { deliver: [], duplicate: true, gapFrom: null }
    if (message.seq === position + 1) {
      this.#positions.set(id, message.seq)
      return { deliver: [message, ...this.#flush(id)], duplicate: false, gapFrom: null }
    }
    let buffer = this.#buffers.get(id)
    if (!buffer) this.#buffers.set(id, (buffer = new Map()))
    if (buffer.has(message.seq)) return { deliver: [], duplicate: true, gapFrom: position }
    if (buffer.size < MessageSequencer.MAX_BUFFERED) buffer.set(message.seq, message)
    return { deliver: [], duplicate: false, gapFrom: position }
  }

  /**
   * History filled everything up to `seq` (or replaced what the client shows): moves the
   * position there, drops buffered messages at or below it and returns buffered followers
   * that are now in order.
   */
  advance(conversationId: string, seq: number): Message[] {
    const position = this.#positions.get(conversationId)
    if (position === undefined || seq > position) this.#positions.set(conversationId, seq)
    return this.#flush(conversationId)
  }

  #flush(id: string): Message[] {
    const buffer = this.#buffers.get(id)
    if (!buffer) return []
    let position = this.#positions.get(id) ?? 0
    for (const seq of [...buffer.keys()]) if (seq <= position) buffer.delete(seq)
    const out: Message[] = []
    for (let next = buffer.get(position + 1); next; next = buffer.get(position + 1)) {
      buffer.delete(next.seq)
      out.push(next)
      position = next.seq
    }
    this.#positions.set(id, position)
    if (buffer.size === 0) this.#buffers.delete(id)
    return out
  }
}
