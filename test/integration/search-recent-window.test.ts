import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDatabaseExists, migrateToLatest, openDatabase, type SqlDatabase } from '../../src/store/sql/database.js'
import { SqlMessageSearchStore } from '../../src/store/sql/sql-message-search-store.js'
import { SqliteSearchIndexer } from '../../src/store/sql/sqlite-search-indexer.js'
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from '../helpers/databases.js'

/** more than the store's first, bounded step (2,000 newest messages) holds */
const PER_CONVERSATION = 1500
const CONVERSATIONS = ['ca', 'cb']

/**
 * A search answers in two steps (sql-message-search-store.ts): the newest 2,000 messages of the scope,
 * then, when they hold no full page, the whole scope. Whatever step answers, the pages must be exactly
 * the matching messages newest first (by id), across all conversations or within one: checked here on
 * 3,000 messages with a frequent word (answered by the first step), a rare one (the second) and one
 * whose last page reaches past the window, against the list computed from the rows themselves.
 */
for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: search pages across the recent window`, () => {
    let test: TestDatabase
    let database: SqlDatabase
    // ids interleave the two conversations in time, as real traffic does
    const rows = CONVERSATIONS.flatMap((conversationId, c) =>
      Array.from({ length: PER_CONVERSATION }, (_, i) => {
        const seq = i + 1
        const at = seq * 2 + c
        const words = [seq % 3 === 0 ? 'often' : 'filler', seq % 500 === 7 ? 'seldom' : '', seq % 40 === 1 ? 'sometimes' : '']
        return {
          conversation_id: conversationId,
          seq,
          id: `01J${String(at).padStart(23, '0')}`,
          sender_id: 'u1',
          client_msg_id: `k${c}-${seq}`,
          type: 'text',
          content: JSON.stringify({ text: words.join(' ') }),
          created_at: at,
          mod_seq: 0,
        }
      }),
    )
    const expected = (word: string, conversationId?: string) =>
      rows
        .filter((r) => r.content.includes(word) && (conversationId === undefined || r.conversation_id === conversationId))
        .map((r) => r.id)
        .sort()
        .reverse()
    const allPages = async (text: string, conversationId?: string) => {
      const store = new SqlMessageSearchStore(database.db, database.caps)
      const ids: string[] = []
      let beforeId: string | undefined
      for (;;) {
        const page = await store.search({ userId: 'u1', text, limit: 20, conversationId, beforeId })
        ids.push(...page.items.map((m) => m.id))
        if (!page.hasMore) return ids
        beforeId = ids.at(-1)
      }
    }

    beforeAll(async () => {
      test = createTestDatabase(dialect)
      const settings = {
        dataDir: String(test.overrides.dataDir),
        storage: { driver: dialect, url: String(test.overrides['storage.url']), poolSize: 2 },
      }
      await ensureDatabaseExists(settings)
      database = openDatabase(settings)
      await migrateToLatest(database)
      for (const [c, id] of CONVERSATIONS.entries()) {
        await database.db
          .insertInto('conversations')
          .values({ id, kind: 'direct', last_seq: PER_CONVERSATION, mod_seq: 0, membership_version: 0, created_at: c })
          .execute()
        await database.db
          .insertInto('conversation_members')
          .values({
            conversation_id: id,
            user_id: 'u1',
            role: 'member',
            join_seq: 0,
            read_seq: 0,
            cleared_seq: 0,
            muted: 0,
            pinned: 0,
            group_nickname: '',
            joined_at: 0,
            updated_at: 0,
          })
          .execute()
      }
      for (let i = 0; i < rows.length; i += 500)
        await database.db
          .insertInto('messages')
          .values(rows.slice(i, i + 500))
          .execute()
      if (database.sqlite) await new SqliteSearchIndexer(database.db, database.sqlite).catchUp()
    })
    afterAll(async () => {
      await database?.db.destroy()
      await test.cleanup()
    })

    it('should page a frequent word newest first, across conversations and within one', async () => {
      expect(await allPages('often')).toEqual(expected('often'))
      expect(await allPages('often', 'cb')).toEqual(expected('often', 'cb'))
    })

    it('should page a rare word and a middling one that the window cannot fill', async () => {
      expect(await allPages('seldom')).toEqual(expected('seldom'))
      expect(await allPages('sometimes')).toEqual(expected('sometimes'))
      expect(await allPages('sometimes', 'ca')).toEqual(expected('sometimes', 'ca'))
      expect(await allPages('nowhere')).toEqual([])
    })
  })
}
