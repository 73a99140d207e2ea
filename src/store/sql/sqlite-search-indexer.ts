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
 * FTS5 pages of segment merging per step. FTS5's own automerge runs inside the write that crosses
 * each 64 pages written and then merges 64 pages per level of the index at once: 10-30 ms on the
 * event loop every ~2,000 messages (bench/search-index-slices.ts). The indexer turns it off (a
 * setting stored in the index) and merges itself after each catch-up, in steps of this many pages
 * (a few ms) with the loop free between them, until FTS5 finds nothing left to merge: the same
 * segments get merged (a level holding 4), in shorter pieces. Slices of 8 ms or more: 15-16 -> 1-3
 * per 40,000 messages, ~1 µs/msg more CPU (14-18 µs/msg), the index as compact.
 */
const MERGE_PAGES = 32

/**
 * SQLite's message search index, filled off the send path (migration 0012): messages past the
 * high-water mark `message_fts_progress.indexed_rowid` are added to `message_fts` in rowid order, a
 * batch per transaction, on a timer, then the index's segments are merged in short steps; the search
 * store scans the messages past the mark itself, so nothing waits for this. The same rules as 0009's
 * trigger: system, recalled and blank messages are not indexed. Runs on Kysely's connection, holding
 * it, like the send path's group commit (send-appender.ts).
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
      if (this.#stopped) return total
      // let the sends that queued behind this batch have the connection before the next one
      await yieldToSends()
      if (passed < this.#batch) break
    }
    while (!this.#stopped && (await this.#db.connection().execute(async () => this.#mergeStep()))) await yieldToSends()
    return total
  }

  /** One step of FTS5 segment merging; false once there was nothing (left) to merge. */
  #mergeStep(): boolean {
    const s = this.#statements()
    const before = s.totalChanges.get()!.n
    s.merge.run(MERGE_PAGES)
    // FTS5's documented test: the merge command did work if total_changes() grew by 2 or more
    return s.totalChanges.get()!.n - before >= 2
  }

  #statements(): ReturnType<typeof prepare> {
    if (this.#prepared) return this.#prepared
    const raw = this.#raw()
    if (!raw) throw new Error('sqlite connection is not open')
    this.#prepared = prepare(raw)
    // merging is ours from now on (#mergeStep); a setting stored in the index, so edits' re-indexing skips it too
    raw.prepare("INSERT INTO message_fts (message_fts, rank) VALUES ('automerge', 0)").run()
    return this.#prepared
  }

  /** One transaction: the next BATCH messages past the mark, indexed, and the mark moved past them. */
  #indexBatch(): number {
    const raw = this.#raw()
    if (!raw) throw new Error('sqlite connection is not open')
    const s = this.#statements()
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
    merge: raw.prepare<[number]>("INSERT INTO message_fts (message_fts, rank) VALUES ('merge', ?)"),
    totalChanges: raw.prepare<[], { n: number }>('SELECT total_changes() AS n'),
    advance: raw.prepare<[number]>('UPDATE message_fts_progress SET indexed_rowid = ? WHERE id = 1'),
  }
}

const yieldToSends = () => new Promise((resolve) => setImmediate(resolve))

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
