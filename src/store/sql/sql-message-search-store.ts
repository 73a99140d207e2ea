import { sql, type Kysely } from 'kysely'
import type { MessageSearchQuery, MessageSearchStore } from '../../domain/search/message-search-store.js'
import type { Capabilities } from './capabilities.js'
import type { Database } from './db-schema.js'
import { toMessage } from './message-appender.js'
import { SEARCH_TEXT } from './migrations/0009-message-search.js'
import { escapeLike } from './sql-user-store.js'

/** The trigram tokenizer indexes 3-character windows: a shorter query cannot use the FTS5 index. */
const TRIGRAM = 3

/**
 * Message search over the three dialects (see 0009-message-search.ts for the indexes). Visibility is a
 * join on the caller's membership rows, the same range `visibleRange` gives history: from the join seq
 * (after the cleared seq) to the leave seq.
 */
export class SqlMessageSearchStore implements MessageSearchStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities
  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
  }

  async search(q: MessageSearchQuery) {
    let query = this.#db
      .selectFrom('messages as m')
      .innerJoin('conversation_members as cm', (j) =>
        j.onRef('cm.conversation_id', '=', 'm.conversation_id').on('cm.user_id', '=', q.userId),
      )
      .selectAll('m')
      .where('m.recalled_at', 'is', null)
      .where('m.type', '<>', 'system')
      .whereRef('m.seq', '>=', 'cm.join_seq')
      .whereRef('m.seq', '>', 'cm.cleared_seq')
      .where((eb) => eb.or([eb('cm.left_seq', 'is', null), eb('m.seq', '<=', eb.ref('cm.left_seq'))]))
    if (this.#caps.textSearch === 'fts5_trigram' && [...q.text].length >= TRIGRAM) {
      // a quoted FTS5 string is one phrase: the trigram tokenizer matches it as a substring, and no
      // character of the query is FTS5 syntax (a double quote is doubled)
      const phrase = `"${q.text.replaceAll('"', '""')}"`
      query = query
        .innerJoin(sql<{ rowid: number }>`message_fts`.as('f'), (j) =>
          j.on(sql<boolean>`f.rowid = m.rowid AND f.conversation_id = m.conversation_id AND f.seq = m.seq`),
        )
        .where(sql<boolean>`message_fts MATCH ${phrase}`)
    } else {
      const text = sql.raw(SEARCH_TEXT[this.#caps.dialect].replaceAll('content', 'm.content'))
      query = query.where(sql<boolean>`${text} LIKE ${'%' + escapeLike(q.text.toLowerCase()) + '%'} ESCAPE '!'`)
    }
    if (q.conversationId !== undefined) query = query.where('m.conversation_id', '=', q.conversationId)
    if (q.senderId !== undefined) query = query.where('m.sender_id', '=', q.senderId)
    if (q.types !== undefined) query = query.where('m.type', 'in', [...q.types])
    if (q.from !== undefined) query = query.where('m.created_at', '>=', q.from)
    if (q.to !== undefined) query = query.where('m.created_at', '<=', q.to)
    if (q.beforeId !== undefined) query = query.where('m.id', '<', q.beforeId)
    const rows = await query
      .orderBy('m.id', 'desc')
      .limit(q.limit + 1)
      .execute()
    return { items: rows.slice(0, q.limit).map(toMessage), hasMore: rows.length > q.limit }
  }
}
