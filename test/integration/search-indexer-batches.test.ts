import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrateToLatest, openDatabase, type SqlDatabase } from '../../src/store/sql/database.js'
import { SqliteSearchIndexer } from '../../src/store/sql/sqlite-search-indexer.js'

/**
 * SQLite's background search indexer works in short transactions of a few messages each (so the one
 * connection is never held long while sends wait): a catch-up over many batches, ending on a batch
 * boundary or not, must index every searchable message once and skip the rest, as one big batch would.
 */
describe('sqlite: the search indexer in batches', () => {
  let dir: string
  let database: SqlDatabase
  let seq = 0
  const insert = (content: Record<string, unknown>, type = 'text', recalled = false) =>
    sql`INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, type, content, created_at, mod_seq, recalled_at)
      VALUES ('c1', ${++seq}, ${`m${String(seq).padStart(8, '0')}`}, 'u1', ${`k${seq}`}, ${type}, ${JSON.stringify(content)}, ${seq}, 0, ${recalled ? seq : null})`.execute(
      database.db,
    )
  /** the rowids in the FTS5 index, and the texts it finds for `word` */
  const indexedRowids = async () =>
    (await sql<{ rowid: number }>`SELECT rowid FROM message_fts ORDER BY rowid`.execute(database.db)).rows.map((r) => r.rowid)
  const matching = async (word: string) =>
    (
      await sql<{ seq: number }>`SELECT seq FROM message_fts WHERE message_fts MATCH ${`"${word}"`} ORDER BY seq`.execute(database.db)
    ).rows.map((r) => r.seq)
  const rowidsOf = async (where: 'all' | 'searchable') =>
    (
      await sql<{ rowid: number }>`SELECT rowid FROM messages WHERE ${sql.raw(
        where === 'all' ? '1 = 1' : "type <> 'system' AND recalled_at IS NULL AND trim(json_extract(content, '$.text')) <> ''",
      )} ORDER BY rowid`.execute(database.db)
    ).rows.map((r) => r.rowid)
  const mark = async () =>
    Number((await sql<{ m: number }>`SELECT indexed_rowid AS m FROM message_fts_progress WHERE id = 1`.execute(database.db)).rows[0]!.m)

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jim-indexer-batches-'))
    database = openDatabase({ dataDir: dir, storage: { driver: 'sqlite', url: join(dir, 'jim.sqlite'), poolSize: 1 } })
    await migrateToLatest(database)
    seq = 0
  })
  afterEach(async () => {
    await database.db.destroy()
    rmSync(dir, { recursive: true, force: true })
  })

  it('should index every searchable message across batches, and nothing else, once', async () => {
    const indexer = new SqliteSearchIndexer(database.db, database.sqlite!, { batch: 3 })
    // 9 messages: three full batches, the last one ending exactly on the boundary
    for (let i = 1; i <= 6; i++) await insert({ text: `walnut number ${i}` })
    await insert({ text: 'a system walnut' }, 'system')
    await insert({ text: 'a recalled walnut' }, 'text', true)
    await insert({ text: '   ' })
    expect(await indexer.catchUp()).toBe(9)
    expect(await mark()).toBe((await rowidsOf('all')).at(-1))
    expect(await indexedRowids()).toEqual(await rowidsOf('searchable'))
    expect(await matching('walnut')).toEqual([1, 2, 3, 4, 5, 6])

    // then a part batch: 4 more is one full batch and one of 1
    for (let i = 7; i <= 10; i++) await insert({ text: `walnut number ${i}` })
    expect(await indexer.catchUp()).toBe(4)
    expect(await indexer.catchUp()).toBe(0)
    expect(await indexedRowids()).toEqual(await rowidsOf('searchable'))
    expect(await matching('walnut')).toEqual([1, 2, 3, 4, 5, 6, 10, 11, 12, 13])
  })

  it('should leave the index merged: nothing for FTS5 to merge after a catch-up', async () => {
    const indexer = new SqliteSearchIndexer(database.db, database.sqlite!, { batch: 2 })
    // a segment per batch: 40 of them, where FTS5 merges a level once it holds 4 (and its own automerge,
    // off now, waited for 64 pages written and left up to 15 small segments on a level)
    for (let round = 1; round <= 40; round++) {
      await insert({ text: `hazelnut ${round} a` })
      await insert({ text: `hazelnut ${round} b` })
      await indexer.catchUp()
    }
    const totalChanges = async () => Number((await sql<{ n: number }>`SELECT total_changes() AS n`.execute(database.db)).rows[0]!.n)
    const before = await totalChanges()
    await sql`INSERT INTO message_fts (message_fts, rank) VALUES ('merge', 1000)`.execute(database.db)
    // FTS5's documented test: a merge that found work to do changes 2 or more rows
    expect((await totalChanges()) - before).toBeLessThan(2)
    expect((await matching('hazelnut')).length).toBe(80)
  })

  it('should index the same with the default batch', async () => {
    for (let i = 1; i <= 5; i++) await insert({ text: `pecan number ${i}` })
    await insert({ text: 'a system pecan' }, 'system')
    expect(await new SqliteSearchIndexer(database.db, database.sqlite!).catchUp()).toBe(6)
    expect(await indexedRowids()).toEqual(await rowidsOf('searchable'))
    expect(await matching('pecan')).toEqual([1, 2, 3, 4, 5])
  })
})
