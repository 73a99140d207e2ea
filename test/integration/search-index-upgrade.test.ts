import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Migrator, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase, type SqlDatabase } from '../../src/store/sql/database.js'
import { SEARCH_TEXT_0009 } from '../../src/store/sql/migrations/0009-message-search.js'
import { migrations } from '../../src/store/sql/migrations/index.js'
import { SqlMessageSearchStore } from '../../src/store/sql/sql-message-search-store.js'
import { SqliteSearchIndexer } from '../../src/store/sql/sqlite-search-indexer.js'

/**
 * SQLite's upgrade to indexing off the send path (migration 0012): messages the old insert trigger
 * indexed stay found and are not indexed twice; a deleted last message does not leave its reused rowid
 * behind the indexer's mark. Then captions (0013): indexed again at the upgrade, and by the edit trigger.
 */
describe('sqlite: search index upgrade to the background indexer', () => {
  let dir: string
  let database: SqlDatabase
  let seq = 0
  const insert = (text: string, type = 'text', content: Record<string, unknown> = { text }) =>
    sql`INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, type, content, created_at, mod_seq)
      VALUES ('c1', ${++seq}, ${`m${String(seq).padStart(8, '0')}`}, 'u1', ${`k${seq}`}, ${type}, ${JSON.stringify(content)}, ${seq}, 0)`.execute(
      database.db,
    )
  const found = async (text: string) =>
    (await new SqlMessageSearchStore(database.db, database.caps).search({ userId: 'u1', text, limit: 20 })).items.map(
      (m) => m.content.text ?? m.content.caption,
    )
  /** Messages whose indexed text holds `word`: the FTS5 index alone (search also scans recent messages). */
  const inIndex = async (word: string) =>
    Number(
      (await sql<{ n: number }>`SELECT count(*) AS n FROM message_fts WHERE message_fts MATCH ${`"${word}"`}`.execute(database.db)).rows[0]!
        .n,
    )
  const indexed = async () => Number((await sql<{ n: number }>`SELECT count(*) AS n FROM message_fts`.execute(database.db)).rows[0]!.n)

  /** Migrates up to (not including) `before`; `migrateToLatest` then runs the rest, as an upgrade would. */
  const migrateBefore = async (before: string) => {
    const older = Object.fromEntries(Object.entries(migrations(database.caps)).filter(([name]) => name < before))
    const { error } = await new Migrator({ db: database.db, provider: { getMigrations: async () => older } }).migrateToLatest()
    expect(error).toBeUndefined()
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jim-search-upgrade-'))
    database = openDatabase({ dataDir: dir, storage: { driver: 'sqlite', url: join(dir, 'jim.sqlite'), poolSize: 1 } })
    await migrateBefore('0012')
    await sql`INSERT INTO conversation_members (conversation_id, user_id, role, join_seq, joined_at, updated_at) VALUES ('c1', 'u1', 'member', 0, 0, 0)`.execute(
      database.db,
    )
    seq = 0
  })
  afterEach(async () => {
    await database.db.destroy()
    rmSync(dir, { recursive: true, force: true })
  })

  it('should keep what the old trigger indexed, index only newer messages, and find both', async () => {
    await insert('old budget one')
    await insert('old budget two')
    expect(await indexed()).toBe(2) // by 0009's insert trigger
    await migrateToLatest(database)
    const indexer = new SqliteSearchIndexer(database.db, database.sqlite!)
    expect(await indexer.catchUp()).toBe(0)
    expect(await found('budget')).toEqual(['old budget two', 'old budget one'])

    await insert('new budget three')
    expect(await indexed()).toBe(2) // no trigger on the send path any more
    expect(await found('budget')).toEqual(['new budget three', 'old budget two', 'old budget one'])
    expect(await indexer.catchUp()).toBe(1)
    expect(await indexed()).toBe(3)
    expect(await found('budget')).toEqual(['new budget three', 'old budget two', 'old budget one'])
  })

  it('should index a message that reuses the rowid of a deleted last message', async () => {
    await migrateToLatest(database)
    const indexer = new SqliteSearchIndexer(database.db, database.sqlite!)
    await insert('first walrus')
    await insert('second walrus')
    expect(await indexer.catchUp()).toBe(2)
    await sql`DELETE FROM messages WHERE seq = 2`.execute(database.db)
    expect(await found('walrus')).toEqual(['first walrus'])
    await insert('third walrus') // SQLite gives it the deleted message's rowid
    expect(await indexer.catchUp()).toBe(1)
    expect(await indexed()).toBe(2)
    expect(await found('walrus')).toEqual(['third walrus', 'first walrus'])
  })

  it('should find captions after the upgrade to 0013, also of captioned messages indexed before it, and after an edit', async () => {
    await migrateBefore('0013') // 0012 on top of beforeEach's 0011
    await insert('', 'image', { fileId: 'f1', name: 'beach.png', caption: 'sunset over the pier' })
    // indexed as the indexer before 0013 did: by 0009's text (name only)
    await sql`INSERT INTO message_fts (rowid, body, conversation_id, seq) SELECT rowid, ${sql.raw(SEARCH_TEXT_0009.sqlite)}, conversation_id, seq FROM messages`.execute(
      database.db,
    )
    await sql`UPDATE message_fts_progress SET indexed_rowid = (SELECT max(rowid) FROM messages)`.execute(database.db)
    expect([await inIndex('beach'), await inIndex('sunset')]).toEqual([1, 0])
    await migrateToLatest(database)
    expect([await inIndex('beach'), await inIndex('sunset')]).toEqual([1, 1])
    expect(await indexed()).toBe(1)
    expect(await found('sunset')).toEqual(['sunset over the pier'])
    // the edit trigger uses the new text too
    await sql`UPDATE messages SET content = ${JSON.stringify({ fileId: 'f1', name: 'beach.png', caption: 'moonrise over the pier' })} WHERE seq = 1`.execute(
      database.db,
    )
    expect([await inIndex('sunset'), await inIndex('moonrise')]).toEqual([0, 1])
    expect(await found('moonrise')).toEqual(['moonrise over the pier'])
  })
})
