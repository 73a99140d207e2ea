import type { Kysely } from 'kysely'
import type { HiddenStore } from '../../domain/messages/hidden-store.js'
import { isUniqueViolation, type Capabilities } from './capabilities.js'
import type { Database } from './db-schema.js'
import { bumpCounter, withTransaction } from './message-appender.js'

class AlreadyHidden extends Error {}

export class SqlHiddenStore implements HiddenStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
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
    const rows = await this.#db
      .selectFrom('hidden_messages')
      .select('seq')
      .where('user_id', '=', userId)
      .where('conversation_id', '=', conversationId)
      .where('seq', 'in', seqs)
      .execute()
    return new Set(rows.map((r) => Number(r.seq)))
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
