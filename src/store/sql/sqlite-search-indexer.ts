import type SQLite from 'better-sqlite3'
import type { Kysely } from 'kysely'
import type { SqlDatabase } from './database.js'
import type { Database } from './db-schema.js'
import { SEARCH_TEXT } from './migrations/0013-search-captions.js'
import { INDEXED_ROWID } from './migrations/0012-search-index-off-send-path.js'

/**
 * Messages per indexing transaction: large enough that FTS5 writes one segment for many messages (the
 * cost a per-send trigger paid on every commit; 100 cost ~40% more CPU per message than 200 or 500),
 * small enough that a batch holds the event loop and the one SQLite connection for a few milliseconds
 * only (sends wait meanwhile): 500 was ~2.5x longer per transaction than 200 for the same CPU per
 * message (bench/search-index-slices.ts); at 1,000 msg/s that is 5 short transactions a second, not 2 long.
 */
const BATCH = 200

/**
 * SQLite's message search index, filled off the send path (migration 0012): messages past the
 * high-water mark `message_fts_progress.indexed_rowid` are added to `message_fts` in rowid order, a
 * batch per transaction, on a timer; the search store scans the messages past the mark itself, so
 * nothing waits for this. The same rules as 0009's trigger: system, recalled and blank messages are not
 * indexed. Runs on Kysely's connection, holding it, like the send path's group commit (send-appender.ts).
 */
export class SqliteSearchIndexer {
  readonly #db: Kysely<Database>
  readonly #raw: () => SQLite.Database | null
  readonly #batch: number
  #prepared: ReturnType<typeof prepare> | null = null
  #timer: NodeJS.Timeout | null = null
  #running: Promise<number> | null = null
  #stopped = false

  /** `batch`: messages per transaction (tests and the cost bench vary it) */
  constructor(db: Kysely<Database>, raw: () => SQLite.Database | null, options: { batch?: number } = {}) {
    this.#db = db
    this.#raw = raw
    this.#batch = options.batch ?? BATCH
  }

  /** Indexes every message sent so far, a batch at a time; resolves to how many rows it went past. */
  catchUp(): Promise<number> {
    // one pass at a time: a timer tick during a test's catch-up joins it
    this.#running ??= this.#catchUp().finally(() => (this.#running = null))
    return this.#running
  }

  /** Catches up every `intervalMs` until `stop`; an error (busy, closing) waits for the next tick. */
  start(intervalMs: number): void {
    const tick = () => {
      if (this.#stopped) return
      this.#timer = setTimeout(() => void this.catchUp().then(tick, tick), intervalMs)
      this.#timer.unref()
    }
    tick()
  }

  /** Stops the timer; resolves once a pass under way has ended (before the database closes). */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    await this.#running?.catch(() => {})
  }

  async #catchUp(): Promise<number> {
    let total = 0
    for (;;) {
      const passed = await this.#db.connection().execute(async () => this.#indexBatch())
      total += passed
      if (passed < this.#batch || this.#stopped) return total
      // let the sends that queued behind this batch have the connection before the next one
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  /** One transaction: the next BATCH messages past the mark, indexed, and the mark moved past them. */
  #indexBatch(): number {
    const raw = this.#raw()
    if (!raw) throw new Error('sqlite connection is not open')
    const s = (this.#prepared ??= prepare(raw))
    s.begin.run()
    try {
      const mark = s.mark.get()!.indexed_rowid
      const { upto, n } = s.window.get(mark, this.#batch)!
      if (upto !== null) {
        s.index.run(mark, upto)
        s.advance.run(upto)
      }
      s.commit.run()
      return n
    } catch (err) {
      if (raw.inTransaction) s.rollback.run()
      throw err
    }
  }
}

function prepare(raw: SQLite.Database) {
  const body = SEARCH_TEXT.sqlite
  return {
    begin: raw.prepare('BEGIN IMMEDIATE'),
    commit: raw.prepare('COMMIT'),
    rollback: raw.prepare('ROLLBACK'),
    mark: raw.prepare<[], { indexed_rowid: number }>(INDEXED_ROWID),
    window: raw.prepare<[number, number], { upto: number | null; n: number }>(
      'SELECT max(rowid) AS upto, count(*) AS n FROM (SELECT rowid FROM messages WHERE rowid > ? ORDER BY rowid LIMIT ?)',
    ),
    index: raw.prepare<[number, number]>(
      `INSERT INTO message_fts (rowid, body, conversation_id, seq)
       SELECT rowid, b, conversation_id, seq FROM (SELECT rowid, conversation_id, seq, type, recalled_at, ${body} AS b FROM messages WHERE rowid > ? AND rowid <= ?)
       WHERE type <> 'system' AND recalled_at IS NULL AND trim(b) <> ''`,
    ),
    advance: raw.prepare<[number]>('UPDATE message_fts_progress SET indexed_rowid = ? WHERE id = 1'),
  }
}

/** The search index's background work, as the app holds it: a no-op where the database indexes by itself. */
export interface SearchIndexing {
  /** index everything sent so far now (tests; the timer does it in service); how many rows it went past */
  catchUp(): Promise<number>
  /** stops the timer and waits for a pass under way */
  stop(): Promise<void>
}

/** SQLite: the indexer on a timer every `intervalMs` (0 = only on `catchUp`); elsewhere nothing to do. */
export function startSearchIndexing(database: SqlDatabase, intervalMs: number): SearchIndexing {
  if (database.caps.textSearch !== 'fts5_trigram' || !database.sqlite) return { catchUp: async () => 0, stop: async () => {} }
  const indexer = new SqliteSearchIndexer(database.db, database.sqlite)
  if (intervalMs > 0) indexer.start(intervalMs)
  return { catchUp: () => indexer.catchUp(), stop: () => indexer.stop() }
}
