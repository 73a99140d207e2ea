import { sql, type Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'

/**
 * The text a message was found by as of this migration: a text message's `text`, a file/image/video's
 * (or a location's) `name`, joined by a space. Recalled messages hold `{}`, so they have none. Frozen as
 * this migration used it; the current expression, with captions, is 0013's `SEARCH_TEXT`.
 */
export const SEARCH_TEXT_0009 = {
  sqlite: `coalesce(json_extract(content, '$.text'), '') || ' ' || coalesce(json_extract(content, '$.name'), '')`,
  postgres: `lower(coalesce(content::jsonb ->> 'text', '') || ' ' || coalesce(content::jsonb ->> 'name', ''))`,
  mysql: `lower(concat(coalesce(json_value(content, '$.text'), ''), ' ', coalesce(json_value(content, '$.name'), '')))`,
} as const

/**
 * Message search (issue 18): finds substrings, so Chinese (no spaces between words) and English alike.
 * - SQLite: an FTS5 table with the trigram tokenizer, `message_fts(body, conversation_id, seq)`, its rowid
 *   the message's rowid, kept by triggers on insert, content change (edit, recall) and delete, so the
 *   send path is untouched. The key columns let a query check the rowid still names the same message.
 * - PostgreSQL: pg_trgm (a trusted extension since PostgreSQL 13: a database owner may create it) and a
 *   GIN trigram index on the searchable text; `LIKE '%…%'` uses it for 3 characters or more.
 * - MySQL/MariaDB: nothing to build. MariaDB's FULLTEXT has no CJK parser (MySQL's ngram is not in
 *   MariaDB), so the store scans the caller's visible messages newest first with LIKE (docs: README).
 * Existing messages are indexed here, in one statement: a one-time cost at upgrade (see README).
 */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    if (caps.textSearch === 'fts5_trigram') {
      await sql`CREATE VIRTUAL TABLE message_fts USING fts5(body, conversation_id UNINDEXED, seq UNINDEXED, tokenize = 'trigram')`.execute(
        db,
      )
      const body = (row: 'new' | 'm') => sql.raw(SEARCH_TEXT_0009.sqlite.replaceAll('content', `${row}.content`))
      // system messages (joins, pins...) and recalled ones are not searchable; a blank body is not indexed
      const index = sql`INSERT INTO message_fts (rowid, body, conversation_id, seq)
        SELECT new.rowid, b, new.conversation_id, new.seq FROM (SELECT ${body('new')} AS b)
        WHERE new.type <> 'system' AND new.recalled_at IS NULL AND trim(b) <> '';`
      await sql`CREATE TRIGGER message_fts_insert AFTER INSERT ON messages BEGIN ${index} END`.execute(db)
      await sql`CREATE TRIGGER message_fts_update AFTER UPDATE OF content, recalled_at ON messages BEGIN
        DELETE FROM message_fts WHERE rowid = old.rowid; ${index} END`.execute(db)
      await sql`CREATE TRIGGER message_fts_delete AFTER DELETE ON messages BEGIN
        DELETE FROM message_fts WHERE rowid = old.rowid; END`.execute(db)
      await sql`INSERT INTO message_fts (rowid, body, conversation_id, seq)
        SELECT rowid, b, conversation_id, seq FROM (SELECT m.rowid, m.conversation_id, m.seq, m.type, m.recalled_at, ${body('m')} AS b FROM messages m)
        WHERE type <> 'system' AND recalled_at IS NULL AND trim(b) <> ''`.execute(db)
    } else if (caps.textSearch === 'pg_trgm') {
      await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db)
      await sql`CREATE INDEX messages_search_trgm ON messages USING gin ((${sql.raw(SEARCH_TEXT_0009.postgres)}) gin_trgm_ops)`.execute(db)
    }
  }
}
