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
 * A cheap first test for a scan: LIKE on the stored JSON as it is, before extracting the text from it
 * (JSON parsing per row is what a scan spends its time on). It finds a superset of the matches, since
 * JSON.stringify writes text verbatim except `"`, `\` and control characters (queries holding those skip
 * it), and it folds case at least as much as the exact test after it. It may also match a key or a file
 * id; the exact test then says no. PostgreSQL needs none (its index does this).
 */
const RAW_PREFILTER: Partial<Record<Capabilities['dialect'], string>> = {
  sqlite: 'm.content LIKE', // ASCII case-insensitive, as the exact test
  mysql: 'm.content COLLATE utf8mb4_general_ci LIKE',
}
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const JSON_ESCAPED = /["\\\u0000-\u001f]/

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
    const indexed = this.#caps.textSearch === 'fts5_trigram' && [...q.text].length >= TRIGRAM
    // With the FTS5 index, its matches drive the query. Without it (a scan), the messages are read newest
    // first along the id index and the scan stops at a page of hits: a frequent word answers at once, a
    // rare one reads every message. CROSS JOIN is how SQLite is told to keep `messages` outermost
    // (PostgreSQL plans it as any inner join).
    let query = (
      indexed
        ? this.#db
            .selectFrom('messages as m')
            .innerJoin('conversation_members as cm', (j) =>
              j.onRef('cm.conversation_id', '=', 'm.conversation_id').on('cm.user_id', '=', q.userId),
            )
        : this.#db
            .selectFrom('messages as m')
            // MySQL/MariaDB: STRAIGHT_JOIN keeps the FROM order, as SQLite's CROSS JOIN does
            .$if(this.#caps.textSearch === 'like_scan', (b) => b.modifyFront(sql`STRAIGHT_JOIN`))
            .crossJoin('conversation_members as cm')
            .whereRef('cm.conversation_id', '=', 'm.conversation_id')
            .where('cm.user_id', '=', q.userId)
    )
      .selectAll('m')
      .where('m.recalled_at', 'is', null)
      .where('m.type', '<>', 'system')
      .whereRef('m.seq', '>=', 'cm.join_seq')
      .whereRef('m.seq', '>', 'cm.cleared_seq')
      .where((eb) => eb.or([eb('cm.left_seq', 'is', null), eb('m.seq', '<=', eb.ref('cm.left_seq'))]))
      // deleted for me (hidden on my devices only)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('hidden_messages as h')
              .select('h.seq')
              .where('h.user_id', '=', q.userId)
              .whereRef('h.conversation_id', '=', 'm.conversation_id')
              .whereRef('h.seq', '=', 'm.seq'),
          ),
        ),
      )
    if (indexed) {
      // a quoted FTS5 string is one phrase: the trigram tokenizer matches it as a substring, and no
      // character of the query is FTS5 syntax (a double quote is doubled)
      const phrase = `"${q.text.replaceAll('"', '""')}"`
      query = query
        .innerJoin(sql<{ rowid: number }>`message_fts`.as('f'), (j) =>
          j.on(sql<boolean>`f.rowid = m.rowid AND f.conversation_id = m.conversation_id AND f.seq = m.seq`),
        )
        .where(sql<boolean>`message_fts MATCH ${phrase}`)
    } else {
      const pattern = '%' + escapeLike(q.text.toLowerCase()) + '%'
      const prefilter = RAW_PREFILTER[this.#caps.dialect]
      if (prefilter && !JSON_ESCAPED.test(q.text)) query = query.where(sql<boolean>`${sql.raw(prefilter)} ${pattern} ESCAPE '!'`)
      const text = sql.raw(SEARCH_TEXT[this.#caps.dialect].replaceAll('content', 'm.content'))
      query = query.where(sql<boolean>`${text} LIKE ${pattern} ESCAPE '!'`)
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
