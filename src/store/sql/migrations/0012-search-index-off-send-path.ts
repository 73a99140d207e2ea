import { sql, type Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'
import { SEARCH_TEXT_0009 } from './0009-message-search.js'

/** The row of `message_fts_progress`: every message with a rowid up to this one is in `message_fts`. */
export const INDEXED_ROWID = 'SELECT indexed_rowid FROM message_fts_progress WHERE id = 1'

/**
 * SQLite: message search indexing off the send path. 0009's `AFTER INSERT` trigger indexed each message
 * inside its send transaction, which nearly doubled the CPU per sent message (FTS5 writes a segment per
 * commit and merges them). Now a background indexer (src/store/sql/sqlite-search-indexer.ts) adds new
 * messages in batches, by rowid, up to a high-water mark kept in `message_fts_progress`; search reads
 * the not-yet-indexed tail (rowid above the mark) with LIKE, so a message is found the moment it is sent.
 * - the insert trigger goes; existing messages were all indexed by it, so the mark starts at the last one;
 * - an edit or recall (rare) still re-indexes its message at once, but only one already indexed: one in
 *   the tail is read as it is by the scan and indexed later by the indexer;
 * - a delete takes the message out of the index, and pulls the mark back to the last message left, as
 *   SQLite gives the next insert the rowid after the largest one (a deleted last rowid comes back).
 * The progress table is named `message_fts_…` so copy-data treats it as derived, like the index.
 */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    if (caps.textSearch !== 'fts5_trigram') return
    await sql`CREATE TABLE message_fts_progress (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_rowid INTEGER NOT NULL)`.execute(db)
    await sql`INSERT INTO message_fts_progress (id, indexed_rowid) SELECT 1, coalesce(max(rowid), 0) FROM messages`.execute(db)
    await sql`DROP TRIGGER message_fts_insert`.execute(db)
    await sql`DROP TRIGGER message_fts_update`.execute(db)
    await sql`DROP TRIGGER message_fts_delete`.execute(db)
    await createReindexOnEdit(db, SEARCH_TEXT_0009.sqlite)
    await sql`CREATE TRIGGER message_fts_delete AFTER DELETE ON messages BEGIN
        DELETE FROM message_fts WHERE rowid = old.rowid;
        UPDATE message_fts_progress SET indexed_rowid = (SELECT coalesce(max(rowid), 0) FROM messages)
          WHERE indexed_rowid > (SELECT coalesce(max(rowid), 0) FROM messages);
      END`.execute(db)
  }
}

/**
 * The trigger that re-indexes an edited or recalled message already in the index, its body computed by
 * `searchText` (a SEARCH_TEXT expression over `content`); 0013 makes it again with captions.
 */
export async function createReindexOnEdit(db: Kysely<unknown>, searchText: string): Promise<void> {
  const body = sql.raw(searchText.replaceAll('content', 'new.content'))
  await sql`CREATE TRIGGER message_fts_update AFTER UPDATE OF content, recalled_at ON messages
    WHEN old.rowid <= (${sql.raw(INDEXED_ROWID)}) BEGIN
      DELETE FROM message_fts WHERE rowid = old.rowid;
      INSERT INTO message_fts (rowid, body, conversation_id, seq)
        SELECT new.rowid, b, new.conversation_id, new.seq FROM (SELECT ${body} AS b)
        WHERE new.type <> 'system' AND new.recalled_at IS NULL AND trim(b) <> '';
    END`.execute(db)
}
