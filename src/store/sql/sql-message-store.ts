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

/**
 * GET history's statement: a page as one member sees it, in one round trip. Their visible range
 * (`visibleRange` in conversation-service.ts: from max(join_seq, cleared_seq + 1) up to
 * min(last_seq, left_seq)) is read by two scalar subqueries on primary keys, which every planner
 * runs once before the page's backward (or forward) seek on `(conversation_id, seq)`: PostgreSQL as
 * InitPlans bounding the index scan, MariaDB evaluates them for its range scan, SQLite once each.
 * No membership row: both bounds are NULL and nothing comes back. Without what the member deleted
 * for them (one primary-key probe per row read), so the page is filled with what they see.
 * Parameters: conversation, after-bound, conversation, user, before-bound, conversation, user, user, limit.
 */
function memberPage(caps: Capabilities, order: 'ASC' | 'DESC'): string {
  return (
    'SELECT * FROM messages WHERE conversation_id = ?' +
    ` AND seq >= (SELECT ${caps.greatest}(m.join_seq, m.cleared_seq + 1, ?) FROM conversation_members m` +
    ' WHERE m.conversation_id = ? AND m.user_id = ?)' +
    ` AND seq <= (SELECT ${caps.least}(c.last_seq, COALESCE(m.left_seq, c.last_seq), ?) FROM conversation_members m` +
    ' JOIN conversations c ON c.id = m.conversation_id WHERE m.conversation_id = ? AND m.user_id = ?)' +
    ' AND NOT EXISTS (SELECT 1 FROM hidden_messages h' +
    ' WHERE h.user_id = ? AND h.conversation_id = messages.conversation_id AND h.seq = messages.seq)' +
    ` ORDER BY seq ${order} LIMIT ?`
  )
}

export class SqlMessageStore implements MessageStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities
  readonly #appender: SendAppender
  readonly #historyAsc: CompiledStatement<Selectable<MessagesTable>>
  readonly #historyDesc: CompiledStatement<Selectable<MessagesTable>>
  readonly #memberAsc: CompiledStatement<Selectable<MessagesTable>>
  readonly #memberDesc: CompiledStatement<Selectable<MessagesTable>>
  constructor(db: Kysely<Database>, caps: Capabilities, appender: SendAppender) {
    this.#db = db
    this.#caps = caps
    this.#appender = appender
    this.#historyAsc = new CompiledStatement(caps, HISTORY_PAGE + ' ORDER BY seq ASC LIMIT ?')
    this.#historyDesc = new CompiledStatement(caps, HISTORY_PAGE + ' ORDER BY seq DESC LIMIT ?')
    this.#memberAsc = new CompiledStatement(caps, memberPage(caps, 'ASC'))
    this.#memberDesc = new CompiledStatement(caps, memberPage(caps, 'DESC'))
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
  async history(conversationId: string, q: { before?: number; after?: number; limit: number; minSeq: number; maxSeq: number }) {
    const lo = q.after === undefined ? q.minSeq : Math.max(q.minSeq, q.after + 1)
    const hi = q.before === undefined ? q.maxSeq : Math.min(q.maxSeq, q.before - 1)
    if (hi < lo) return { items: [], hasMore: false }
    const ascending = q.after !== undefined
    const statement = ascending ? this.#historyAsc : this.#historyDesc
    const { rows } = await statement.execute(this.#db, [conversationId, lo, hi, q.limit + 1])
    return this.#page(rows, q.limit, ascending)
  }

  async memberHistory(userId: string, conversationId: string, q: { before?: number; after?: number; limit: number }) {
    // the page's own bounds; the statement narrows them to the member's visible range
    const lo = q.after === undefined ? 0 : q.after + 1
    const hi = q.before === undefined ? Number.MAX_SAFE_INTEGER : q.before - 1
    if (hi < lo) return { items: [], hasMore: false }
    const ascending = q.after !== undefined
    const statement = ascending ? this.#memberAsc : this.#memberDesc
    const params = [conversationId, lo, conversationId, userId, hi, conversationId, userId, userId, q.limit + 1]
    const { rows } = await statement.execute(this.#db, params)
    return this.#page(rows, q.limit, ascending)
  }

  #page(rows: Selectable<MessagesTable>[], limit: number, ascending: boolean) {
    const items = rows.slice(0, limit).map(toMessage)
    return { items: ascending ? items : items.reverse(), hasMore: rows.length > limit }
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
