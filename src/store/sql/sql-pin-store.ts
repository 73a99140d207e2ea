import type { Kysely, Transaction } from 'kysely'
import type { Pin, PinChange, PinStore } from '../../domain/messages/pin-store.js'
import { newId } from '../../shared/ids.js'
import type { Capabilities } from './capabilities.js'
import type { Database } from './db-schema.js'
import { appendInTx, withTransaction } from './message-appender.js'

/** Rolls the transaction back (the system message with it) and answers `outcome`. */
class NoChange extends Error {
  constructor(readonly outcome: PinChange) {
    super(outcome.kind)
  }
}

export class SqlPinStore implements PinStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
  }

  pin(q: { conversationId: string; seq: number; actorId: string; now: number; max: number }): Promise<PinChange> {
    return this.#change(q, 'message_pinned', async (trx) => {
      const pins = await trx.selectFrom('pinned_messages').select('seq').where('conversation_id', '=', q.conversationId).execute()
      if (pins.some((p) => Number(p.seq) === q.seq)) throw new NoChange({ kind: 'unchanged' })
      if (pins.length >= q.max) throw new NoChange({ kind: 'limit' })
      await trx
        .insertInto('pinned_messages')
        .values({ conversation_id: q.conversationId, seq: q.seq, pinned_by: q.actorId, pinned_at: q.now })
        .execute()
    })
  }

  unpin(q: { conversationId: string; seq: number; actorId: string; now: number }): Promise<PinChange> {
    return this.#change(q, 'message_unpinned', async (trx) => {
      const deleted = await trx
        .deleteFrom('pinned_messages')
        .where('conversation_id', '=', q.conversationId)
        .where('seq', '=', q.seq)
        .executeTakeFirst()
      if (Number(deleted.numDeletedRows) === 0) throw new NoChange({ kind: 'unchanged' })
    })
  }

  async list(conversationIds: readonly string[]): Promise<Pin[]> {
    if (conversationIds.length === 0) return []
    const rows = await this.#db
      .selectFrom('pinned_messages')
      .selectAll()
      .where('conversation_id', 'in', conversationIds)
      .orderBy('pinned_at', 'desc')
      .orderBy('seq', 'desc')
      .execute()
    return rows.map((r) => ({
      conversationId: r.conversation_id,
      seq: Number(r.seq),
      pinnedBy: r.pinned_by,
      pinnedAt: Number(r.pinned_at),
    }))
  }

  /** The system message first (it locks the conversation's counter), then the pin row change. */
  async #change(
    q: { conversationId: string; seq: number; actorId: string; now: number },
    event: 'message_pinned' | 'message_unpinned',
    apply: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<PinChange> {
    try {
      return await withTransaction(this.#db, async (trx) => {
        const message = await appendInTx(trx, this.#caps, {
          conversationId: q.conversationId,
          senderId: null,
          clientMsgId: newId(),
          type: 'system',
          content: { event, seq: q.seq, actorId: q.actorId },
          now: q.now,
        })
        await apply(trx)
        const conv = await trx
          .selectFrom('conversations')
          .select('membership_version')
          .where('id', '=', q.conversationId)
          .executeTakeFirstOrThrow()
        return { kind: 'changed' as const, message, membershipVersion: Number(conv.membership_version) }
      })
    } catch (err) {
      if (err instanceof NoChange) return err.outcome
      throw err
    }
  }
}
