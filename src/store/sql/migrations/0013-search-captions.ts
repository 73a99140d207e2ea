import { sql, type Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'
import { createReindexOnEdit, INDEXED_ROWID } from './0012-search-index-off-send-path.js'

/**
 * The text a message is found by: a text message's `text`, a file/image/video's (or a location's) `name`
 * and a media message's `caption`, joined by spaces. Recalled messages hold `{}`, so they have none.
 * PostgreSQL's index is on this expression, and a query must repeat it character for character to use
 * the index: the store and the SQLite indexer import these strings rather than writing their own.
 */
export const SEARCH_TEXT = {
  sqlite: `coalesce(json_extract(content, '$.text'), '') || ' ' || coalesce(json_extract(content, '$.name'), '') || ' ' || coalesce(json_extract(content, '$.caption'), '')`,
  postgres: `lower(coalesce(content::jsonb ->> 'text', '') || ' ' || coalesce(content::jsonb ->> 'name', '') || ' ' || coalesce(content::jsonb ->> 'caption', ''))`,
  mysql: `lower(concat(coalesce(json_value(content, '$.text'), ''), ' ', coalesce(json_value(content, '$.name'), ''), ' ', coalesce(json_value(content, '$.caption'), '')))`,
} as const

/**
 * Search finds captions (image, file and video messages took an optional caption after 0012).
 * - SQLite: the edit trigger is made again with the new expression, and messages with a caption already
 *   in the index are indexed again (the background indexer uses SEARCH_TEXT for the rest).
 * - PostgreSQL: the trigram index is rebuilt on the new expression (a one-time cost at upgrade: README).
 * - MySQL/MariaDB: nothing stored; the scan uses SEARCH_TEXT.
 */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    if (caps.textSearch === 'fts5_trigram') {
      await sql`DROP TRIGGER message_fts_update`.execute(db)
      await createReindexOnEdit(db, SEARCH_TEXT.sqlite)
      const captioned = sql`SELECT rowid FROM messages WHERE json_extract(content, '$.caption') IS NOT NULL AND rowid <= (${sql.raw(INDEXED_ROWID)})`
      await sql`DELETE FROM message_fts WHERE rowid IN (${captioned})`.execute(db)
      await sql`INSERT INTO message_fts (rowid, body, conversation_id, seq)
        SELECT rowid, b, conversation_id, seq FROM (SELECT rowid, conversation_id, seq, type, recalled_at, ${sql.raw(SEARCH_TEXT.sqlite)} AS b FROM messages WHERE rowid IN (${captioned}))
        WHERE type <> 'system' AND recalled_at IS NULL AND trim(b) <> ''`.execute(db)
    } else if (caps.textSearch === 'pg_trgm') {
      await sql`DROP INDEX messages_search_trgm`.execute(db)
      await sql`CREATE INDEX messages_search_trgm ON messages USING gin ((${sql.raw(SEARCH_TEXT.postgres)}) gin_trgm_ops)`.execute(db)
    }
  }
}
