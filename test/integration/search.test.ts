import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { makeImage, pdfBytes, upload } from '../helpers/uploads.js'

interface Hit {
  message: { id: string; seq: number; conversationId: string; type: string; senderId: string; content: Record<string, unknown> }
  field: string
  snippet: Array<{ text: string; hit: boolean }>
}

const search = (u: TestUser, params: Record<string, string | number>) =>
  u.api.get(`/search/messages?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`)
const texts = (body: { items: Hit[] }) => body.items.map((h) => h.message.content.text ?? h.message.content.name)

/**
 * Message search (issue 18) on every database: an English and a Chinese corpus, the visibility matrix
 * (left, joined late, cleared, recalled, blocked, stranger), edits, file names, filters, paging,
 * highlights and hostile queries.
 */
for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: message search`, () => {
    let t: TestApp
    let alice: TestUser
    let bob: TestUser
    let carol: TestUser
    let direct: string
    let groupId: string
    let group: string

    beforeAll(async () => {
      // the indexer (SQLite) runs when this suite says: the corpus indexed, later messages not (both paths)
      t = await startTestApp({ dialect, overrides: { 'messages.searchPerMinute': 40, 'messages.searchIndexIntervalMs': 0 } })
      ;[alice, bob, carol] = await Promise.all([createUser(t.url, 'salice'), createUser(t.url, 'sbob'), createUser(t.url, 'scarol')])
      await befriend(alice, bob)
      await befriend(alice, carol)
      direct = await directConversation(alice, bob)
      const g = await alice.api.post('/groups', { name: 'search', memberIds: [bob.id] })
      groupId = g.body.group.id
      group = g.body.group.conversationId
      // the corpus: English and Chinese, several senders, both conversations
      await sendText(alice, direct, 'The quarterly Budget review is on Friday')
      await sendText(bob, direct, '我们明天开会讨论预算')
      await sendText(bob, group, 'budget numbers for the group')
      await sendText(alice, group, '预算已经批准了，谢谢大家')
      await sendText(alice, group, 'unrelated chatter about lunch')
      await t.app.searchIndexing.catchUp()
    })
    afterAll(() => t.close())

    it('should find English case-insensitively and Chinese substrings of 2 and more characters, newest first, with marked hits', async () => {
      const en = await search(alice, { q: 'BUDGET' })
      expect(en.status).toBe(200)
      expect(texts(en.body)).toEqual(['budget numbers for the group', 'The quarterly Budget review is on Friday'])
      expect(en.body.items[1].snippet).toEqual([
        { text: 'The quarterly ', hit: false },
        { text: 'Budget', hit: true },
        { text: ' review is on Friday', hit: false },
      ])
      expect(en.body.nextCursor).toBeNull()
      // 2 characters (shorter than a trigram) and 4 characters in the middle of a sentence
      expect(texts((await search(alice, { q: '预算' })).body)).toEqual(['预算已经批准了，谢谢大家', '我们明天开会讨论预算'])
      const zh = await search(bob, { q: '开会讨论' })
      expect(texts(zh.body)).toEqual(['我们明天开会讨论预算'])
      expect(zh.body.items[0].snippet).toEqual([
        { text: '我们明天', hit: false },
        { text: '开会讨论', hit: true },
        { text: '预算', hit: false },
      ])
    })

    it('should filter by conversation, sender, type and time, and page with a cursor', async () => {
      expect(texts((await search(alice, { q: 'budget', conversationId: group })).body)).toEqual(['budget numbers for the group'])
      expect(texts((await search(alice, { q: '预算', senderId: bob.id })).body)).toEqual(['我们明天开会讨论预算'])
      expect((await search(alice, { q: 'budget', type: 'file,image' })).body.items).toEqual([])
      expect((await search(alice, { q: 'budget', from: '2999-01-01T00:00:00Z' })).body.items).toEqual([])
      expect((await search(alice, { q: 'budget', to: new Date().toISOString() })).body.items).toHaveLength(2)
      const first = await search(alice, { q: 'budget', limit: 1 })
      expect(texts(first.body)).toEqual(['budget numbers for the group'])
      const second = await search(alice, { q: 'budget', limit: 1, cursor: first.body.nextCursor })
      expect(texts(second.body)).toEqual(['The quarterly Budget review is on Friday'])
      expect(second.body.nextCursor).toBeNull()
    })

    it('should answer bad queries and filters with clear errors, and hostile queries safely', async () => {
      const cases: Array<[Record<string, string>, string, string]> = [
        [{ q: 'a' }, 'search.query_invalid', 'q'],
        [{ q: '   ' }, 'search.query_invalid', 'q'],
        [{ q: 'x'.repeat(101) }, 'search.query_invalid', 'q'],
        [{ q: 'budget', type: 'text,system' }, 'search.filter_invalid', 'type'],
        [{ q: 'budget', from: 'yesterday' }, 'search.filter_invalid', 'from'],
        [{ q: 'budget', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'search.filter_invalid', 'to'],
        [{ q: 'budget', senderId: 'nobody' }, 'search.filter_invalid', 'senderId'],
        [{ q: 'budget', cursor: '../etc' }, 'search.filter_invalid', 'cursor'],
      ]
      for (const [params, code, field] of cases) {
        const res = await search(alice, params)
        expect(res.status, JSON.stringify(params)).toBe(400)
        expect(res.body.error).toMatchObject({ code, details: [{ field }] })
      }
      expect((await search(alice, { q: 'x'.repeat(10_000) })).status).toBe(400)
      await sendText(alice, direct, 'progress: 100%_done "quoted" AND (this) OR that*')
      for (const q of ['%_', '"quoted"', 'AND (this) OR', 'that*', "' OR 1=1 --", 'NEAR(a b)', '**', '^^']) {
        const res = await search(alice, { q })
        expect(res.status, q).toBe(200)
        expect(
          texts(res.body).every((x) => String(x).includes(q)),
          q,
        ).toBe(true)
      }
      expect(texts((await search(alice, { q: '%_' })).body)).toEqual(['progress: 100%_done "quoted" AND (this) OR that*'])
      expect((await search(alice, { q: '%%' })).body.items).toEqual([])
    })

    it('should find edited messages by their new text, recalled ones not at all, and files by name', async () => {
      const m = await sendText(alice, direct, 'draft wording zebra')
      expect(
        (await alice.api.patch(`/conversations/${direct}/messages/${m.seq}`, { content: { text: 'final wording 斑马' } })).status,
      ).toBe(200)
      expect((await search(bob, { q: 'zebra' })).body.items).toEqual([])
      expect(texts((await search(bob, { q: '斑马' })).body)).toEqual(['final wording 斑马'])
      expect((await alice.api.delete(`/conversations/${direct}/messages/${m.seq}`)).status).toBeLessThan(300)
      expect((await search(bob, { q: '斑马' })).body.items).toEqual([])
      expect((await search(bob, { q: 'wording' })).body.items).toEqual([])
      // deleted for me: gone from my results, still in the other side's
      const mine = await sendText(alice, direct, 'hide me 隐藏')
      expect((await bob.api.put(`/conversations/${direct}/messages/${mine.seq}/hidden`)).status).toBe(204)
      expect((await search(bob, { q: '隐藏' })).body.items).toEqual([])
      expect(texts((await search(alice, { q: '隐藏' })).body)).toEqual(['hide me 隐藏'])

      const file = await upload(t.url, alice, pdfBytes(), { name: '季度报告-report.pdf', type: 'application/pdf', kind: 'file' })
      expect(file.status).toBe(201)
      const sent = await alice.api.post(`/conversations/${direct}/messages`, {
        clientMsgId: 'search-file',
        type: 'file',
        content: { fileId: file.body.fileId },
      })
      expect(sent.status).toBe(201)
      const byName = await search(bob, { q: '季度报告', type: 'file' })
      expect(byName.body.items).toHaveLength(1)
      expect(byName.body.items[0]).toMatchObject({ field: 'name', message: { type: 'file', seq: sent.body.message.seq } })
      expect(byName.body.items[0].snippet).toContainEqual({ text: '季度报告', hit: true })
      // the stored JSON's keys and ids are not searchable text (a scan's raw pre-filter sees them)
      for (const q of ['fileId', 'mime', 'text', file.body.fileId.slice(0, 12)])
        expect((await search(bob, { q })).body.items, q).toEqual([])
    })

    it('should find an image or file by its caption, before and after the indexer ran, with the caption marked', async () => {
      const image = await upload(t.url, alice, await makeImage('png', 8, 8), { name: 'pier.png', type: 'image/png', kind: 'image' })
      expect(image.status).toBe(201)
      const sent = await alice.api.post(`/conversations/${direct}/messages`, {
        clientMsgId: 'search-caption',
        type: 'image',
        content: { fileId: image.body.fileId, caption: 'Sunset over the 海边 pier' },
      })
      expect(sent.status).toBe(201)
      for (const phase of ['unindexed', 'indexed']) {
        const hits = await search(bob, { q: '海边' })
        expect(
          hits.body.items.map((h: Hit) => h.message.seq),
          phase,
        ).toEqual([sent.body.message.seq])
        expect(hits.body.items[0], phase).toMatchObject({ field: 'caption', message: { type: 'image' } })
        expect(hits.body.items[0].snippet, phase).toContainEqual({ text: '海边', hit: true })
        expect((await search(bob, { q: 'sunset', type: 'image' })).body.items, phase).toHaveLength(1)
        await t.app.searchIndexing.catchUp()
      }
    })

    it('should never return a message outside the caller’s visible range', async () => {
      const [late, leaver, clearer] = await Promise.all([
        createUser(t.url, 'slate'),
        createUser(t.url, 'sleaver'),
        createUser(t.url, 'sclear'),
      ])
      await Promise.all([befriend(alice, late), befriend(alice, leaver), befriend(alice, clearer)])
      expect((await alice.api.post(`/groups/${groupId}/members`, { userIds: [leaver.id, clearer.id] })).status).toBeLessThan(300)
      await sendText(alice, group, 'visibility alpha 可见性甲')
      expect((await clearer.api.delete(`/conversations/${group}/messages`)).status).toBe(204)
      expect((await alice.api.post(`/groups/${groupId}/members`, { userIds: [late.id] })).status).toBeLessThan(300)
      expect((await leaver.api.post(`/groups/${groupId}/leave`)).status).toBe(204)
      await sendText(alice, group, 'visibility beta 可见性乙')

      const seen = async (u: TestUser, q: string) => texts((await search(u, { q })).body)
      expect(await seen(alice, '可见性')).toEqual(['visibility beta 可见性乙', 'visibility alpha 可见性甲'])
      expect(await seen(late, '可见性')).toEqual(['visibility beta 可见性乙']) // joined after alpha
      expect(await seen(leaver, '可见性')).toEqual(['visibility alpha 可见性甲']) // left before beta
      expect(await seen(clearer, 'visibility')).toEqual(['visibility beta 可见性乙']) // cleared after alpha
      expect(await seen(carol, 'visibility')).toEqual([]) // never a member
      // a stranger naming a conversation gets the same 404 as everywhere else
      const stranger = await search(carol, { q: 'budget', conversationId: direct })
      expect(stranger.status).toBe(404)
      expect(stranger.body.error.code).toBe('conversation.not_found')
      // the leaver still finds what they saw, in that conversation too
      expect((await search(leaver, { q: 'alpha', conversationId: group })).body.items).toHaveLength(1)

      // blocking stops new messages; what was visible stays as visible as history shows it
      const before = texts((await search(alice, { q: '预算', senderId: bob.id })).body)
      expect((await alice.api.put(`/blocks/${bob.id}`)).status).toBe(204)
      expect(
        (await bob.api.post(`/conversations/${direct}/messages`, { clientMsgId: 'blk', type: 'text', content: { text: '预算 blocked' } }))
          .status,
      ).toBe(422)
      expect(texts((await search(alice, { q: '预算', senderId: bob.id })).body)).toEqual(before)
      expect((await alice.api.delete(`/blocks/${bob.id}`)).status).toBe(204)
    })

    it('should rate limit searches per user', async () => {
      const eager = await createUser(t.url, 'seager')
      let status = 200
      for (let i = 0; i < 41 && status === 200; i++) status = (await search(eager, { q: 'budget' })).status
      expect(status).toBe(429)
      expect((await search(alice, { q: 'lunch' })).status).toBe(200)
    })
  })
}
