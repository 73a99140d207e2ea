import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from '../helpers/databases.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

/** the indexer runs only when a test says so (`catchUp`), never on its timer */
const MANUAL = { 'messages.searchIndexIntervalMs': 0 }

const found = async (u: TestUser, q: string): Promise<string[]> => {
  const res = await u.api.get(`/search/messages?q=${encodeURIComponent(q)}`)
  expect(res.status, q).toBe(200)
  return res.body.items.map((h: { message: { content: { text: string } } }) => h.message.content.text)
}

/**
 * SQLite indexes messages for search in the background, off the send path (migration 0012): a message
 * sent, edited or recalled must be found (or not) the same before the indexer reached it and after,
 * and across a restart that left messages unindexed. On MariaDB/PostgreSQL there is nothing to catch up
 * (`catchUp` does nothing) and the same answers hold.
 */
for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: search before and after the background indexer`, () => {
    let database: TestDatabase
    let t: TestApp
    let alice: TestUser
    let bob: TestUser
    let direct: string
    const catchUp = () => t.app.searchIndexing.catchUp()

    beforeAll(async () => {
      database = createTestDatabase(dialect)
      t = await startTestApp({ database, overrides: MANUAL })
      ;[alice, bob] = await Promise.all([createUser(t.url, 'ialice'), createUser(t.url, 'ibob')])
      await befriend(alice, bob)
      direct = await directConversation(alice, bob)
      await catchUp()
    })
    afterAll(async () => {
      await t.close()
      await database.cleanup()
    })

    it('should find a message just sent, before the indexer ran and after, once', async () => {
      await sendText(alice, direct, 'fresh pineapple 新鲜菠萝')
      expect(await found(bob, 'pineapple')).toEqual(['fresh pineapple 新鲜菠萝'])
      expect(await found(bob, '新鲜菠萝')).toEqual(['fresh pineapple 新鲜菠萝'])
      expect(await catchUp()).toBe(dialect === 'sqlite' ? 1 : 0)
      expect(await catchUp()).toBe(0)
      expect(await found(bob, 'pineapple')).toEqual(['fresh pineapple 新鲜菠萝'])
      expect(await found(bob, '新鲜菠萝')).toEqual(['fresh pineapple 新鲜菠萝'])
    })

    it('should find an edited message by its new text only, edited before or after indexing', async () => {
      const early = await sendText(alice, direct, 'mango draft 芒果草稿')
      expect(
        (await alice.api.patch(`/conversations/${direct}/messages/${early.seq}`, { content: { text: 'mango final 芒果定稿' } })).status,
      ).toBe(200)
      expect(await found(bob, 'draft')).toEqual([])
      expect(await found(bob, 'mango')).toEqual(['mango final 芒果定稿'])
      await catchUp()
      expect(await found(bob, '芒果草稿')).toEqual([])
      expect(await found(bob, '芒果定稿')).toEqual(['mango final 芒果定稿'])

      const late = await sendText(alice, direct, 'papaya draft 木瓜草稿')
      await catchUp()
      expect(await found(bob, 'papaya draft')).toEqual(['papaya draft 木瓜草稿'])
      expect(
        (await alice.api.patch(`/conversations/${direct}/messages/${late.seq}`, { content: { text: 'papaya final 木瓜定稿' } })).status,
      ).toBe(200)
      expect(await found(bob, 'papaya draft')).toEqual([])
      expect(await found(bob, '木瓜草稿')).toEqual([])
      expect(await found(bob, 'papaya')).toEqual(['papaya final 木瓜定稿'])
      await catchUp()
      expect(await found(bob, 'papaya')).toEqual(['papaya final 木瓜定稿'])
    })

    it('should never find a recalled message, recalled before or after indexing', async () => {
      const early = await sendText(bob, direct, 'kumquat secret 金橘秘密')
      expect((await bob.api.delete(`/conversations/${direct}/messages/${early.seq}`)).status).toBeLessThan(300)
      expect(await found(alice, 'kumquat')).toEqual([])
      await catchUp()
      expect(await found(alice, 'kumquat')).toEqual([])
      expect(await found(alice, '金橘秘密')).toEqual([])

      const late = await sendText(bob, direct, 'lychee secret 荔枝秘密')
      await catchUp()
      expect(await found(alice, 'lychee')).toEqual(['lychee secret 荔枝秘密'])
      expect((await bob.api.delete(`/conversations/${direct}/messages/${late.seq}`)).status).toBeLessThan(300)
      expect(await found(alice, 'lychee')).toEqual([])
      expect(await found(alice, '荔枝秘密')).toEqual([])
      await catchUp()
      expect(await found(alice, 'lychee')).toEqual([])
    })

    it('should find messages left unindexed by a restart, and index them after it', async () => {
      await sendText(alice, direct, 'durian before restart 榴莲重启')
      await t.close()
      // the same address: the users' clients (and their sessions, in the database) carry on
      t = await startTestApp({ database, overrides: MANUAL, port: Number(new URL(t.url).port) })
      expect(await found(bob, 'durian')).toEqual(['durian before restart 榴莲重启'])
      await sendText(alice, direct, 'durian after restart 榴莲之后')
      expect(await found(bob, 'durian')).toEqual(['durian after restart 榴莲之后', 'durian before restart 榴莲重启'])
      expect(await catchUp()).toBe(dialect === 'sqlite' ? 2 : 0)
      expect(await found(bob, '榴莲')).toEqual(['durian after restart 榴莲之后', 'durian before restart 榴莲重启'])
      expect(await found(bob, 'durian')).toEqual(['durian after restart 榴莲之后', 'durian before restart 榴莲重启'])
    })
  })
}
