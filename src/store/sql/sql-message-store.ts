import { sql, type Kysely, type Transaction } from 'kysely'
import type { Selectable } from 'kysely'
import type { Message } from '../../domain/messages/message.js'
import type { AppendMessage, Appended, MessageStore } from '../../domain/messages/message-store.js'
import type { Capabilities } from './capabilities.js'
import { CompiledStatement } from './compiled-statement.js'
import type { Database, MessagesTable } from './db-schema.js'
import { bumpCounter, toMessage, withTransaction } from './message-appender.js'
import type { SendAppender } from './send-appender.js'

// history's hot statement (see history()); parameters: conversation, lo, hi, limit
const HISTORY_PAGE = 'SELECT * FROM messages WHERE conversation_id = ? AND seq >= ? AND seq <= ?'
// ... and without what one user deleted for them (one primary-key probe per row read), in the
// same statement instead of a second round trip; parameters: conversation, lo, hi, user, limit
const SHOWN_PAGE =
  HISTORY_PAGE +
  ' AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ? AND h.conversation_id = messages.conversation_id AND h.seq = messages.seq)'

export class SqlMessageStore implements MessageStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities
  readonly #appender: SendAppender
  readonly #historyAsc: CompiledStatement<Selectable<MessagesTable>>
  readonly #historyDesc: CompiledStatement<Selectable<MessagesTable>>
  readonly #shownAsc: CompiledStatement<Selectable<MessagesTable>>
  readonly #shownDesc: CompiledStatement<Selectable<MessagesTable>>
  constructor(db: Kysely<Database>, caps: Capabilities, appender: SendAppender) {
    this.#db = db
    this.#caps = caps
    this.#appender = appender
    this.#historyAsc = new CompiledStatement(caps, HISTORY_PAGE + ' ORDER BY seq ASC LIMIT ?')
    this.#historyDesc = new CompiledStatement(caps, HISTORY_PAGE + ' ORDER BY seq DESC LIMIT ?')
    this.#shownAsc = new CompiledStatement(caps, SHOWN_PAGE + ' ORDER BY seq ASC LIMIT ?')
    this.#shownDesc = new CompiledStatement(caps, SHOWN_PAGE + ' ORDER BY seq DESC LIMIT ?')
  }

  /** The hot path: precompiled statements (SQLite: group commit), see send-appender.ts. */
  append(input: AppendMessage): Promise<Appended> {
    return this.#appender.append(input) as Promise<Appended>
  }

  appendChecked(input: AppendMessage, expectedVersion: number): Promise<Appended | 'stale'> {
    return this.#appender.append(input, expectedVersion)
  }

  /**
   * A page of history. The visible range and the page bounds fold into one `seq BETWEEN lo AND hi`
   * before the query: with two bounds on each side, SQLite's planner seeks on the member's join
   * bound and walks the index up to the page (38 ms in the middle of 1M messages), where one bound
   * per side is a seek straight to the page on every database.
   */
  async history(
    conversationId: string,
    q: { before?: number; after?: number; limit: number; minSeq: number; maxSeq: number; shownTo?: string },
  ) {
    const lo = q.after === undefined ? q.minSeq : Math.max(q.minSeq, q.after + 1)
    const hi = q.before === undefined ? q.maxSeq : Math.min(q.maxSeq, q.before - 1)
    if (hi < lo) return { items: [], hasMore: false }
    const ascending = q.after !== undefined
    const { rows } =
      q.shownTo === undefined
        ? await (ascending ? this.#historyAsc : this.#historyDesc).execute(this.#db, [conversationId, lo, hi, q.limit + 1])
        : await (ascending ? this.#shownAsc : this.#shownDesc).execute(this.#db, [conversationId, lo, hi, q.shownTo, q.limit + 1])
    const items = rows.slice(0, q.limit).map(toMessage)
    return { items: ascending ? items : items.reverse(), hasMore: rows.length > q.limit }
  }

  async changedSince(conversationId: string, q: { modSeq: number; limit: number; minSeq: number; maxSeq: number }) {
    const rows = await this.#db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      // implied by the next term for any modSeq >= 0; stated as a literal (not a bound parameter) so
      // the planner can prove the partial index (0014) covers the rows asked for
      .where('mod_seq', '>', sql.lit(0))
      .where('mod_seq', '>', q.modSeq)
      .where('seq', '>=', q.minSeq)
      .where('seq', '<=', q.maxSeq)
      .orderBy('mod_seq', 'asc')
      .limit(q.limit + 1)
      .execute()
    return { items: rows.slice(0, q.limit).map(toMessage), hasMore: rows.length > q.limit }
  }

  async findBySeq(conversationId: string, seq: number): Promise<Message | null> {
    const row = await this.#db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('seq', '=', seq)
      .executeTakeFirst()
    return row ? toMessage(row) : null
  }

  edit(conversationId: string, seq: number, content: Record<string, unknown>, now: number) {
    return this.#change(conversationId, seq, now, (modSeq) => ({ content: JSON.stringify(content), edited_at: now, mod_seq: modSeq }))
  }

  /** A recall empties the content and takes the reactions, its pin and its mentions with it. */
  recall(conversationId: string, seq: number, now: number) {
    return this.#change(
      conversationId,
      seq,
      now,
      (modSeq) => ({ content: '{}', recalled_at: now, mod_seq: modSeq, reactions: null }),
      async (trx) => {
        await trx.deleteFrom('message_reactions').where('conversation_id', '=', conversationId).where('seq', '=', seq).execute()
        await trx.deleteFrom('pinned_messages').where('conversation_id', '=', conversationId).where('seq', '=', seq).execute()
        await trx.deleteFrom('message_mentions').where('conversation_id', '=', conversationId).where('seq', '=', seq).execute()
      },
    )
  }

  /** Applies a change to an unrecalled message with the conversation's next mod_seq, in one transaction. */
  async #change(
    conversationId: string,
    seq: number,
    now: number,
    values: (modSeq: number) => { content: string; mod_seq: number; edited_at?: number; recalled_at?: number; reactions?: null },
    alsoInTransaction?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<{ message: Message; membershipVersion: number } | null> {
    return withTransaction(this.#db, async (trx) => {
      const exists = await trx
        .selectFrom('messages')
        .select('seq')
        .where('conversation_id', '=', conversationId)
        .where('seq', '=', seq)
        .where('recalled_at', 'is', null)
        .executeTakeFirst()
      if (!exists) return null
      const modSeq = await bumpCounter(trx, this.#caps, conversationId, 'mod_seq', now)
      const result = await trx
        .updateTable('messages')
        .set(values(modSeq))
        .where('conversation_id', '=', conversationId)
        .where('seq', '=', seq)
        .where('recalled_at', 'is', null)
        .executeTakeFirst()
      // recalled concurrently: give the mod_seq back by rolling back
      if (Number(result.numUpdatedRows) === 0) throw new ConcurrentChange()
      await alsoInTransaction?.(trx)
      const row = await trx
        .selectFrom('messages')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .where('seq', '=', seq)
        .executeTakeFirstOrThrow()
      const conv = await trx
        .selectFrom('conversations')
        .select('membership_version')
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow()
      return { message: toMessage(row), membershipVersion: Number(conv.membership_version) }
    }).catch((err: unknown) => {
      if (err instanceof ConcurrentChange) return null
      throw err
    })
  }

  async readers(conversationId: string, seq: number, limit: number) {
    const base = this.#db
      .selectFrom('conversation_members')
      .where('conversation_id', '=', conversationId)
      .where('read_seq', '>=', seq)
      .where('join_seq', '<=', seq)
      .where((eb) => eb.or([eb('left_seq', 'is', null), eb('left_seq', '>=', seq)]))
    const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    const rows = limit > 0 ? await base.select('user_id').orderBy('user_id').limit(limit).execute() : []
    return { count: Number(count.n), userIds: rows.map((r) => r.user_id) }
  }
}

class ConcurrentChange extends Error {}
