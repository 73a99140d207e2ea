import type { Kysely } from 'kysely'
import type { HiddenStore } from '../../domain/messages/hidden-store.js'
import { isUniqueViolation, type Capabilities } from './capabilities.js'
import { CompiledStatement } from './compiled-statement.js'
import type { Database } from './db-schema.js'
import { bumpCounter, withTransaction } from './message-appender.js'

class AlreadyHidden extends Error {}

/**
 * The hidden rows between two seqs: a history page asks about the seqs of the page it read, which
 * lie close together: one seek on the primary key, compiled once and bound as four parameters,
 * instead of an IN list of up to 200 built per request.
 */
const HIDDEN_IN_RANGE = 'SELECT seq FROM hidden_messages WHERE user_id = ? AND conversation_id = ? AND seq >= ? AND seq <= ?'

export class SqlHiddenStore implements HiddenStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities
  readonly #hiddenInRange: CompiledStatement<{ seq: number | string }>

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
    this.#hiddenInRange = new CompiledStatement(caps, HIDDEN_IN_RANGE)
  }

  async hide(q: { userId: string; conversationId: string; seq: number; now: number }): Promise<{ modSeq: number } | null> {
    try {
      return await withTransaction(this.#db, async (trx) => {
        const existing = await trx
          .selectFrom('hidden_messages')
          .select('seq')
          .where('user_id', '=', q.userId)
          .where('conversation_id', '=', q.conversationId)
          .where('seq', '=', q.seq)
          .executeTakeFirst()
        if (existing) throw new AlreadyHidden()
        const modSeq = await bumpCounter(trx, this.#caps, q.conversationId, 'mod_seq', q.now)
        await trx
          .insertInto('hidden_messages')
          .values({ user_id: q.userId, conversation_id: q.conversationId, seq: q.seq, mod_seq: modSeq, hidden_at: q.now })
          .execute()
        return { modSeq }
      })
    } catch (err) {
      // a concurrent hide of the same message from another device: the first one counts
      if (err instanceof AlreadyHidden || isUniqueViolation(err)) return null
      throw err
    }
  }

  async hiddenAmong(userId: string, conversationId: string, seqs: readonly number[]): Promise<Set<number>> {
    if (seqs.length === 0) return new Set()
    let lo = seqs[0]!
    let hi = lo
    for (const seq of seqs) {
      if (seq < lo) lo = seq
      else if (seq > hi) hi = seq
    }
    // seqs scattered over a wide range (resume's changes): the range could hold many unasked rows
    const rows =
      hi - lo < 4 * seqs.length
        ? (await this.#hiddenInRange.execute(this.#db, [userId, conversationId, lo, hi])).rows
        : await this.#db
            .selectFrom('hidden_messages')
            .select('seq')
            .where('user_id', '=', userId)
            .where('conversation_id', '=', conversationId)
            .where('seq', 'in', seqs)
            .execute()
    const among = new Set<number>()
    if (rows.length === 0) return among
    // the range may hold hidden seqs that were not asked about (a page with gaps): keep the asked ones
    const asked = new Set(seqs)
    for (const r of rows) if (asked.has(Number(r.seq))) among.add(Number(r.seq))
    return among
  }

  async hiddenSince(userId: string, conversationId: string, q: { modSeq: number; minSeq: number; maxSeq: number; limit: number }) {
    const rows = await this.#db
      .selectFrom('hidden_messages')
      .select(['seq', 'mod_seq'])
      .where('user_id', '=', userId)
      .where('conversation_id', '=', conversationId)
      .where('mod_seq', '>', q.modSeq)
      .where('seq', '>=', q.minSeq)
      .where('seq', '<=', q.maxSeq)
      .orderBy('mod_seq', 'asc')
      .limit(q.limit)
      .execute()
    return rows.map((r) => ({ seq: Number(r.seq), modSeq: Number(r.mod_seq) }))
  }
}
