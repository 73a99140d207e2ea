import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

const edit = (user: TestUser, conv: string, seq: number, content: Record<string, unknown> = { text: 'edited' }) =>
  user.api.patch(`/conversations/${conv}/messages/${seq}`, { content })
const recall = (user: TestUser, conv: string, seq: number) => user.api.delete(`/conversations/${conv}/messages/${seq}`)

/** Edits and recalls pass the send policy (issue 16, item 1) and have a rate limit of their own. */
for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: edits and recalls follow the send rules`, () => {
    let t: TestApp
    let owner: TestUser
    let member: TestUser
    let groupId: string
    let gconv: string

    beforeAll(async () => {
      t = await startTestApp({ dialect, overrides: { 'messages.editPerMinute': 6 } })
      owner = await createUser(t.url, 'eowner')
      member = await createUser(t.url, 'emember')
      await befriend(owner, member)
      const g = await owner.api.post('/groups', { name: 'edit rules', memberIds: [member.id] })
      groupId = g.body.group.id
      gconv = g.body.group.conversationId
    })
    afterAll(() => t.close())

    it('should refuse edits and recalls by a member muted in the group, and while the group is muted, and push nothing', async () => {
      const a = await sendText(member, gconv, 'mine')
      const b = await sendText(member, gconv, 'mine too')
      const ownerSock = await TestSocket.open(t.wsUrl, { token: owner.token })
      const until = new Date(Date.now() + 60_000).toISOString()
      expect((await owner.api.patch(`/groups/${groupId}/members/${member.id}`, { mutedUntil: until })).status).toBe(200)
      const muted = await edit(member, gconv, a.seq)
      expect(muted.status).toBe(422)
      expect(muted.body.error.code).toBe('message.muted')
      expect((await recall(member, gconv, a.seq)).body.error.code).toBe('message.muted')
      expect((await owner.api.patch(`/groups/${groupId}/members/${member.id}`, { mutedUntil: null })).status).toBe(200)

      expect((await owner.api.patch(`/groups/${groupId}`, { muteAll: true })).status).toBe(200)
      expect((await edit(member, gconv, b.seq)).body.error.code).toBe('message.group_muted')
      expect((await recall(member, gconv, b.seq)).body.error.code).toBe('message.group_muted')
      expect((await owner.api.patch(`/groups/${groupId}`, { muteAll: false })).status).toBe(200)

      expect(await ownerSock.settle('message.updated', 100)).toHaveLength(0)
      expect(ownerSock.all('message.recalled')).toHaveLength(0)
      const history = await owner.api.get(`/conversations/${gconv}/messages?after=${a.seq - 1}&limit=2`)
      expect(history.body.items.map((m: { content: { text?: string } }) => m.content.text)).toEqual(['mine', 'mine too'])
      ownerSock.close()
    })

    it('should refuse a plain member adding @all in an edit, and allow the owner', async () => {
      const m = await sendText(member, gconv, 'hello')
      const res = await edit(member, gconv, m.seq, { text: 'hello everyone', mentions: ['all'] })
      expect(res.status).toBe(422)
      expect(res.body.error.code).toBe('message.mention_all_forbidden')
      const o = await sendText(owner, gconv, 'notice')
      expect((await edit(owner, gconv, o.seq, { text: 'notice for all', mentions: ['all'] })).status).toBe(200)
    })

    it('should refuse edits and recalls across a block in a direct chat', async () => {
      const x = await createUser(t.url, 'ex')
      const y = await createUser(t.url, 'ey')
      await befriend(x, y)
      const c = await directConversation(x, y)
      const m1 = await sendText(x, c, 'one')
      expect((await y.api.put(`/blocks/${x.id}`)).status).toBe(204)
      const res = await edit(x, c, m1.seq)
      expect(res.status).toBe(422)
      expect(res.body.error.code).toBe('message.blocked')
      expect((await recall(x, c, m1.seq)).body.error.code).toBe('message.blocked')
      expect((await y.api.get(`/conversations/${c}/messages`)).body.items[0].content).toEqual({ text: 'one' })
    })

    it('should refuse world edits and recalls while the world is closed or the user is muted there', async () => {
      const boss = await createUser(t.url, 'eboss')
      await t.app.store.users.setRole(boss.id, 'admin', Date.now())
      const admin = await login(t.url, boss.username)
      const user = await createUser(t.url, 'eworld')
      const w = (await user.api.get('/conversations/world')).body.id
      const m = await sendText(user, w, 'world hello')
      expect((await admin.api.put('/admin/world', { open: false })).status).toBe(200)
      expect((await edit(user, w, m.seq)).body.error.code).toBe('message.world_closed')
      expect((await recall(user, w, m.seq)).body.error.code).toBe('message.world_closed')
      expect((await admin.api.put('/admin/world', { open: true })).status).toBe(200)
      const until = new Date(Date.now() + 60_000).toISOString()
      expect((await admin.api.put(`/admin/world/mutes/${user.id}`, { until, reason: 'spam' })).status).toBe(200)
      expect((await edit(user, w, m.seq)).body.error.code).toBe('message.muted')
      expect((await recall(user, w, m.seq)).body.error.code).toBe('message.muted')
      expect((await admin.api.delete(`/admin/world/mutes/${user.id}`)).status).toBe(204)
      expect((await edit(user, w, m.seq, { text: 'world hello', mentions: ['all'] })).body.error.code).toBe('message.mention_all_forbidden')
      expect((await edit(user, w, m.seq)).status).toBe(200)
    })

    it('should cap edits and recalls per user per minute, also in a parallel burst (429 with Retry-After)', async () => {
      const p = await createUser(t.url, 'eburst')
      const q = await createUser(t.url, 'eburst2')
      await befriend(p, q)
      const c = await directConversation(p, q)
      const m = await sendText(p, c, 'v0')
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => edit(p, c, m.seq, { text: `v${i + 1}` })))
      expect(answers.filter((r) => r.status === 200)).toHaveLength(6)
      const refused = answers.filter((r) => r.status === 429)
      expect(refused).toHaveLength(4)
      expect(refused[0]!.body.error.code).toBe('rate_limited')
      expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0)
      // recalls share the budget
      const r = await recall(p, c, m.seq)
      expect(r.status).toBe(429)
      expect((await p.api.get(`/conversations/${c}`)).body.modSeq).toBe(6)
    })
  })
}
