import type { Correctness } from './scenario.js'

export interface Delivery {
  /** who received it (one socket per receiver) */
  receiver: string
  conversationId: string
  seq: number
  clientMsgId: string
}

export interface Acked {
  conversationId: string
  clientMsgId: string
}

/**
 * Compares what the server acknowledged with what the receivers got:
 * lost = acknowledged but delivered to nobody; duplicated = delivered more than once to the same
 * receiver; gaps = per (receiver, conversation), seqs missing below the highest delivered (every
 * message of a bench conversation is sent by the bench, so the seqs a receiver gets run 1..n).
 */
export function checkDeliveries(acked: Iterable<Acked>, deliveries: Iterable<Delivery>, errors = 0): Correctness {
  const delivered = new Set<string>()
  const perReceiver = new Set<string>()
  const seqs = new Map<string, Set<number>>()
  let duplicated = 0
  for (const d of deliveries) {
    delivered.add(`${d.conversationId}\u0000${d.clientMsgId}`)
    const key = `${d.receiver}\u0000${d.conversationId}\u0000${d.clientMsgId}`
    if (perReceiver.has(key)) duplicated++
    else perReceiver.add(key)
    const conv = `${d.receiver}\u0000${d.conversationId}`
    let set = seqs.get(conv)
    if (!set) seqs.set(conv, (set = new Set()))
    set.add(d.seq)
  }
  let lost = 0
  for (const a of acked) if (!delivered.has(`${a.conversationId}\u0000${a.clientMsgId}`)) lost++
  let gaps = 0
  for (const set of seqs.values()) {
    let max = 0
    for (const s of set) if (s > max) max = s
    gaps += max - set.size
  }
  return { lost, duplicated, gaps, errors }
}
