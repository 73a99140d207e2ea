import { sql, type Kysely } from 'kysely'
import type { MessageSearchQuery, MessageSearchStore } from '../../domain/search/message-search-store.js'
import type { Capabilities } from './capabilities.js'
import type { Database } from './db-schema.js'
import { toMessage } from './message-appender.js'
import { SEARCH_TEXT } from './migrations/0013-search-captions.js'
import { INDEXED_ROWID } from './migrations/0012-search-index-off-send-path.js'
import { escapeLike } from './sql-user-store.js'

/** The trigram tokenizer indexes 3-character windows: a shorter query cannot use the FTS5 index. */
const TRIGRAM = 3

/**
 * Messages in the first, bounded step of a search (see `search`): a word in 1% of them or more fills a
 * page of 20 there. Scanning them costs a few milliseconds; a rarer word pays that on top of the index.
 */
const RECENT = 2000

/**
 * The messages of the first step: from this seq on in the one conversation, or from this id on; `complete`
 * when that is every message of the scope (a small one): then the first step's answer is the answer.
 */
interface RecentWindow {
  fromSeq?: number
  fromId?: string
  complete: boolean
}

/**
 * A cheap first test for a scan: LIKE on the stored JSON as it is, before extracting the text from it
 * (JSON parsing per row is what a scan spends its time on). It finds a superset of the matches, since
 * JSON.stringify writes text verbatim except `"`, `\` and control characters (queries holding those skip
 * it), and it folds case at least as much as the exact test after it. It may also match a key or a file
 * id; the exact test then says no. PostgreSQL needs none (its index does this).
 */
const RAW_PREFILTER: Partial<Record<Capabilities['dialect'], (content: string) => string>> = {
  sqlite: (content) => `${content} LIKE`, // ASCII case-insensitive, as the exact test
  mysql: (content) => `${content} COLLATE utf8mb4_general_ci LIKE`,
}
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const JSON_ESCAPED = /["\\\u0000-\u001f]/

/**
 * Message search over the three dialects (see 0009-message-search.ts for the indexes, 0013 for the searchable text). Visibility is a
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

  /**
   * Two steps. First the newest RECENT messages of the scope (the conversation's last RECENT seqs, or the
   * server's newest RECENT ids), scanned: a frequent word fills a page there, and a page full of hits in
   * the newest messages is the answer, since every message outside the window is older. Only when the
   * window holds no full page, the whole scope: through the FTS5 index (SQLite, 3+ characters), where a
   * frequent word would have meant sorting every match, or a scan that stops at a page of hits.
   */
  async search(q: MessageSearchQuery) {
    const window = await this.#recentWindow(q)
    let rows = await this.#query(q, window).execute()
    if (rows.length <= q.limit && !window.complete) rows = await this.#query(q, null).execute()
    return { items: rows.slice(0, q.limit).map(toMessage), hasMore: rows.length > q.limit }
  }

  /** The whole scope (`window` null), or only the messages inside `window` (see `#recentWindow`). */
  #query(q: MessageSearchQuery, window: RecentWindow | null) {
    const indexed = window === null && this.#caps.textSearch === 'fts5_trigram' && [...q.text].length >= TRIGRAM
    // Without the FTS5 index (a scan), the messages are read newest first along the id index and the
    // scan stops at a page of hits: a frequent word answers at once, a rare one reads every message.
    // CROSS JOIN is how SQLite is told to keep the left table outermost (PostgreSQL plans it as any
    // inner join; MySQL/MariaDB: STRAIGHT_JOIN keeps the FROM order).
    const scan = this.#db
      .selectFrom('messages as m')
      .$if(this.#caps.textSearch === 'like_scan', (b) => b.modifyFront(sql`STRAIGHT_JOIN`))
      .crossJoin('conversation_members as cm')
    let query = (indexed ? (this.#indexedCandidates(q.text) as unknown as typeof scan) : scan.where(this.#matches('m', q.text)))
      .whereRef('cm.conversation_id', '=', 'm.conversation_id')
      .where('cm.user_id', '=', q.userId)
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
    if (q.conversationId !== undefined) query = query.where('m.conversation_id', '=', q.conversationId)
    if (q.senderId !== undefined) query = query.where('m.sender_id', '=', q.senderId)
    if (q.types !== undefined) query = query.where('m.type', 'in', [...q.types])
    if (q.from !== undefined) query = query.where('m.created_at', '>=', q.from)
    if (q.to !== undefined) query = query.where('m.created_at', '<=', q.to)
    if (q.beforeId !== undefined) query = query.where('m.id', '<', q.beforeId)
    if (window?.fromSeq !== undefined) query = query.where('m.seq', '>=', window.fromSeq)
    if (window?.fromId !== undefined) query = query.where('m.id', '>=', window.fromId)
    return query.orderBy('m.id', 'desc').limit(q.limit + 1)
  }

  /**
   * The newest RECENT messages below the cursor. In one conversation: by seq along its primary key (from
   * the cursor message's seq, else the conversation's last), which is id order within a conversation up
   * to a few milliseconds of clock skew between instances. Across conversations: by id along its index.
   * Looked up first, as values, so the planner sees a narrow range (PostgreSQL, given a subquery instead,
   * read every trigram match of a frequent word and sorted them). A scope of fewer messages is scanned
   * whole (cheaper than the index's matches across every conversation).
   */
  async #recentWindow(q: MessageSearchQuery): Promise<RecentWindow> {
    if (q.conversationId !== undefined) {
      const top =
        q.beforeId !== undefined
          ? await this.#db.selectFrom('messages').select('seq').where('id', '=', q.beforeId).executeTakeFirst()
          : await this.#db.selectFrom('conversations').select('last_seq as seq').where('id', '=', q.conversationId).executeTakeFirst()
      const fromSeq = Number(top?.seq ?? 0) - RECENT
      return fromSeq > 1 ? { fromSeq, complete: false } : { complete: true }
    }
    const floor = await this.#db
      .selectFrom('messages')
      .select('id')
      .$if(q.beforeId !== undefined, (b) => b.where('id', '<', q.beforeId!))
      .orderBy('id', 'desc')
      .limit(1)
      .offset(RECENT - 1)
      .executeTakeFirst()
    return floor ? { fromId: floor.id, complete: false } : { complete: true }
  }

  /**
   * SQLite, 3+ characters: the candidates drive the query (CROSS JOIN keeps them outermost; each is then one
   * rowid lookup): the index's matches, and the messages not indexed yet (rowid past the indexer's mark,
   * migration 0012) that match a scan, read by rowid (NOT INDEXED: never along a conversation index). One
   * statement, so one snapshot of the mark and the index. The key columns check the rowid still names the
   * message the index saw.
   */
  #indexedCandidates(text: string) {
    // a quoted FTS5 string is one phrase: the trigram tokenizer matches it as a substring, and no
    // character of the query is FTS5 syntax (a double quote is doubled)
    const phrase = `"${text.replaceAll('"', '""')}"`
    const candidates = sql<{
      r: number
      c: string
      s: number
    }>`(SELECT rowid AS r, conversation_id AS c, seq AS s FROM message_fts WHERE message_fts MATCH ${phrase}
      UNION ALL SELECT t.rowid, t.conversation_id, t.seq FROM messages AS t NOT INDEXED WHERE t.rowid > (${sql.raw(INDEXED_ROWID)}) AND ${this.#matches('t', text)})`
    return this.#db
      .selectFrom(candidates.as('f'))
      .crossJoin('messages as m')
      .crossJoin('conversation_members as cm')
      .where(sql<boolean>`m.rowid = f.r AND m.conversation_id = f.c AND m.seq = f.s`)
  }

  /** The scan's test on the messages aliased `alias`: their searchable text contains `text`, case-insensitively. */
  #matches(alias: string, text: string) {
    const pattern = '%' + escapeLike(text.toLowerCase()) + '%'
    const prefilter = RAW_PREFILTER[this.#caps.dialect]
    const body = sql.raw(SEARCH_TEXT[this.#caps.dialect].replaceAll('content', `${alias}.content`))
    const exact = sql<boolean>`${body} LIKE ${pattern} ESCAPE '!'`
    if (!prefilter || JSON_ESCAPED.test(text)) return exact
    return sql<boolean>`${sql.raw(prefilter(`${alias}.content`))} ${pattern} ESCAPE '!' AND ${exact}`
  }
}
