import type { ClientFrame, Message, ResumePosition } from '@jim/protocol'
import type { Timers } from './backoff.js'
import { MessageSequencer } from './sequencer.js'
import type { SocketEvent } from './socket-link.js'

export interface GapRepairDeps {
  timers: Timers
  /** how long a hole may wait for `resume` before the client pages history (ms) */
  gapWaitMs: number
  /** the app's own record of modSeqs, when it keeps one */
  modSeqOf?: (conversationId: string) => number | undefined
  /** sends over the socket when connected; false otherwise */
  send(frame: ClientFrame): boolean
  emit(event: SocketEvent): void
}

/**
 * Positions and repair: messages reach listeners once each and in `seq` order per conversation.
 * A hole first asks the server to `resume` from our position; what resume could not fill within
 * `gapWaitMs` (or the server says it cannot) becomes a `repair` event: the app pages history.
 */
export class GapRepair {
  readonly sequencer = new MessageSequencer()
  readonly #d: GapRepairDeps
  readonly #gapTimers = new Map<string, unknown>()
  /** the highest modSeq seen per conversation (edits and recalls), for `resume` */
  readonly #modSeqs = new Map<string, number>()

  constructor(deps: GapRepairDeps) {
    this.#d = deps
  }

  seed(conversationId: string, lastSeq: number, modSeq?: number): void {
    this.sequencer.seed(conversationId, lastSeq)
    if (modSeq !== undefined) this.noteModSeq(conversationId, modSeq)
  }

  /** Asks the server for everything after our positions (all conversations, or these). */
  resume(conversationIds?: string[]): boolean {
    const all = this.sequencer.positions()
    const ids = conversationIds ? conversationIds.filter((id) => id in all) : Object.keys(all)
    if (ids.length === 0) return false
    const positions: Record<string, ResumePosition> = {}
    for (const id of ids) {
      const seq = all[id]!
      const modSeq = this.#d.modSeqOf ? this.#d.modSeqOf(id) : this.#modSeqs.get(id)
      positions[id] = typeof modSeq === 'number' && modSeq >= 0 ? { seq, modSeq } : seq
    }
    return this.#d.send({ type: 'resume', positions })
  }

  /** History filled a conversation up to `seq`: delivers buffered followers. */
  advance(conversationId: string, seq: number): void {
    for (const m of this.sequencer.advance(conversationId, seq)) this.#d.emit({ kind: 'message', message: m })
    if (!this.sequencer.hasGap(conversationId)) this.#clearGap(conversationId)
  }

  /** A message (pushed, or learnt another way): delivered once, in order; a hole starts a repair. */
  accept(message: Message): void {
    const result = this.sequencer.accept(message)
    for (const m of result.deliver) this.#d.emit({ kind: 'message', message: m })
    if (result.gapFrom !== null) this.#waitForGap(message.conversationId, result.gapFrom)
    else if (!this.sequencer.hasGap(message.conversationId)) this.#clearGap(message.conversationId)
  }

  noteModSeq(conversationId: string, modSeq: number): void {
    const known = this.#modSeqs.get(conversationId)
    if (typeof modSeq === 'number' && (known === undefined || modSeq > known)) this.#modSeqs.set(conversationId, modSeq)
  }

  /** `resumed`: whatever resume could not fill, history will. */
  resumed(): void {
    for (const id of [...this.#gapTimers.keys()]) {
      this.#clearGap(id)
      if (this.sequencer.hasGap(id)) this.#d.emit({ kind: 'repair', conversationId: id, lastSeq: null })
    }
  }

  /** `resync_required`: the server will not resend this conversation; page history from `lastSeq`. */
  resyncRequired(conversationId: string, lastSeq: number | null): void {
    this.#clearGap(conversationId)
    this.#d.emit({ kind: 'repair', conversationId, lastSeq })
  }

  /** The link went down: pending waits end (the next `ready` resumes everything). */
  cancelWaits(): void {
    for (const id of [...this.#gapTimers.keys()]) this.#clearGap(id)
  }

  /** Forgets every position and modSeq (another user's session may come next). */
  clear(): void {
    this.cancelWaits()
    this.sequencer.clear()
    this.#modSeqs.clear()
  }

  #waitForGap(conversationId: string, from: number): void {
    if (this.#gapTimers.has(conversationId)) return
    this.#d.send({ type: 'resume', positions: { [conversationId]: from } })
    const timer = this.#d.timers.setTimeout(() => {
      this.#gapTimers.delete(conversationId)
      if (this.sequencer.hasGap(conversationId)) this.#d.emit({ kind: 'repair', conversationId, lastSeq: null })
    }, this.#d.gapWaitMs)
    this.#gapTimers.set(conversationId, timer)
  }

  #clearGap(conversationId: string): void {
    const t = this.#gapTimers.get(conversationId)
    if (t !== undefined) this.#d.timers.clearTimeout(t)
    this.#gapTimers.delete(conversationId)
  }
}
