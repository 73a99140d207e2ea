/**
 * A conversation's loaded messages: sorted by seq, one entry per seq, whichever way they came
 * (history page, live push, resume, the answer to our own send). Pure functions, no React.
 */
import type { ClientMessageType, Message } from '../api/types.js'

export interface Timeline {
  /** ascending seq, unique */
  messages: Message[]
  /** older messages exist before the first loaded one */
  hasMore: boolean
  loading: boolean
  /** the latest page was fetched at least once */
  loaded: boolean
}

export const emptyTimeline: Timeline = { messages: [], hasMore: true, loading: false, loaded: false }

/**
 * Merges messages into a sorted list keyed by seq. A message already present is replaced only
 * by a version with an equal or newer `modSeq` (an edit or recall), never by a stale copy.
 * Returns the same array when nothing changed, so React can skip a render.
 */
export function mergeMessages(existing: Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing
  const bySeq = new Map<number, Message>()
  for (const m of existing) bySeq.set(m.seq, m)
  let changed = false
  for (const m of incoming) {
    const old = bySeq.get(m.seq)
    if (old === m) continue
    if (old && (old.modSeq ?? 0) > (m.modSeq ?? 0)) continue
    if (old && old.modSeq === m.modSeq && old.id === m.id && old.recalledAt === m.recalledAt && old.editedAt === m.editedAt) continue
    bySeq.set(m.seq, m)
    changed = true
  }
  if (!changed) return existing
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq)
}

/** Seqs missing between the first and last loaded message (should always be empty). */
export function holes(messages: readonly Message[]): number[] {
  const out: number[] = []
  for (let i = 1; i < messages.length; i++) {
    for (let s = messages[i - 1]!.seq + 1; s < messages[i]!.seq; s++) out.push(s)
  }
  return out
}

export function lastSeqOf(messages: readonly Message[]): number {
  return messages.length ? messages[messages.length - 1]!.seq : 0
}

/** An own message the outbox has not got stored yet (or that the server refused), shown after the stored ones. */
export interface PendingMessage {
  clientMsgId: string
  conversationId: string
  type: ClientMessageType
  content: Record<string, unknown>
  /** `sending` also while it waits for the connection; `failed` only when the server refused it */
  status: 'sending' | 'failed'
  createdAt: string
  /** error code of the refusal */
  error: string | null
}

/** The seq a message (stored or pending) replies to, if any. */
export function replyToOf(content: Record<string, unknown>): number | null {
  return typeof content.replyTo === 'number' ? content.replyTo : null
}
