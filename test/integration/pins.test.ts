import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

const pin = (u: TestUser, conv: string, seq: number) => u.api.put(`/conversations/${conv}/pins/${seq}`)
const unpin = (u: TestUser, conv: string, seq: number) => u.api.delete(`/conversations/${conv}/pins/${seq}`)
const seqs = (pins: Array<{ seq: number }> | undefined) => (pins ?? []).map((p) => p.seq)

/** Pinned messages (issue 18): roles, the limit, system messages, the visible range, recall, rate limit. */
for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: pinned messages`, () => {
    let t: TestApp
    let owner: TestUser
    let admin: TestUser
    let member: TestUser
    let groupId: string
    let conv: string

    beforeAll(async () => {
      t = await startTestApp({ dialect, overrides: { 'messages.maxPinned': 2, 'messages.pinPerMinute': 100 } })
      owner = await createUser(t.url, 'powner')
      admin = await createUser(t.url, 'padmin')
      member = await createUser(t.url, 'pmember')
      await befriend(owner, admin)
      await befriend(owner, member)
      const g = await owner.api.post('/groups', { name: 'pins', memberIds: [admin.id, member.id] })
      groupId = g.body.group.id
      conv = g.body.group.conversationId
      expect((await owner.api.patch(`/groups/${groupId}/members/${admin.id}`, { role: 'admin' })).status).toBe(200)
    })
    afterAll(() => t.close())

    it('should let owner and admins pin up to the limit, leave system messages, and show the pins to members', async () => {
      const a = await sendText(member, conv, 'first to pin')
      const b = await sendText(member, conv, 'second to pin')
      const c = await sendText(member, conv, 'one too many')
      const memberSock = await TestSocket.open(t.wsUrl, { token: member.token })

      const res = await pin(owner, conv, a.seq)
      expect(res.status).toBe(200)
      expect(seqs(res.body.pins)).toEqual([a.seq])
      expect(res.body.pins[0]).toMatchObject({ pinnedBy: owner.id })
      const notice = await memberSock.take((f) => f.type === 'message.created' && f.message.type === 'system', 'pin notice')
      expect(notice.message.content).toEqual({ event: 'message_pinned', seq: a.seq, actorId: owner.id })

      // idempotent: no second system message
      const lastSeq = (await member.api.get(`/conversations/${conv}`)).body.lastSeq
      expect(seqs((await pin(owner, conv, a.seq)).body.pins)).toEqual([a.seq])
      expect((await member.api.get(`/conversations/${conv}`)).body.lastSeq).toBe(lastSeq)

      const refused = await pin(member, conv, b.seq)
      expect(refused.status).toBe(403)
      expect(refused.body.error.code).toBe('pin.forbidden')
      expect((await pin(admin, conv, b.seq)).status).toBe(200)
      const full = await pin(owner, conv, c.seq)
      expect(full.status).toBe(422)
      expect(full.body.error).toMatchObject({ code: 'pin.limit', details: { max: 2 } })

      const view = await member.api.get(`/conversations/${conv}`)
      expect(seqs(view.body.pins)).toEqual([b.seq, a.seq])
      const listed = (await member.api.get('/conversations')).body.items.find((x: { id: string }) => x.id === conv)
      expect(seqs(listed.pins)).toEqual([b.seq, a.seq])
      const bar = await member.api.get(`/conversations/${conv}/pins`)
      expect(bar.body.items.map((p: { message: { content: { text: string } } }) => p.message.content.text)).toEqual([
        'second to pin',
        'first to pin',
      ])

      expect((await unpin(member, conv, a.seq)).status).toBe(403)
      const after = await unpin(admin, conv, a.seq)
      expect(seqs(after.body.pins)).toEqual([b.seq])
      const unpinned = await memberSock.take(
        (f) => f.type === 'message.created' && f.message.content.event === 'message_unpinned',
        'unpin notice',
      )
      expect(unpinned.message.content).toEqual({ event: 'message_unpinned', seq: a.seq, actorId: admin.id })
      expect((await pin(owner, conv, c.seq)).status).toBe(200)
      await unpin(owner, conv, b.seq)
      await unpin(owner, conv, c.seq)
      memberSock.close()
    })

    it('should take the pin away with a recall and refuse to pin a recalled message', async () => {
      const m = await sendText(owner, conv, 'pinned then recalled')
      expect((await pin(owner, conv, m.seq)).status).toBe(200)
      expect((await owner.api.delete(`/conversations/${conv}/messages/${m.seq}`)).status).toBe(200)
      expect((await member.api.get(`/conversations/${conv}`)).body.pins).toBeUndefined()
      const again = await pin(owner, conv, m.seq)
      expect(again.status).toBe(422)
      expect(again.body.error.code).toBe('pin.recalled')
    })

    it('should hide pins outside the visible range and refuse strangers, late joiners and removed members', async () => {
      const old = await sendText(owner, conv, 'pinned before the newcomer')
      expect((await pin(owner, conv, old.seq)).status).toBe(200)
      const stranger = await createUser(t.url, 'pstranger')
      for (const res of [await pin(stranger, conv, old.seq), await stranger.api.get(`/conversations/${conv}/pins`)]) {
        expect(res.status).toBe(404)
        expect(res.body.error.code).toBe('conversation.not_found')
      }

      const late = await createUser(t.url, 'plate')
      await befriend(owner, late)
      await owner.api.post(`/groups/${groupId}/members`, { userIds: [late.id] })
      expect((await owner.api.patch(`/groups/${groupId}/members/${late.id}`, { role: 'admin' })).status).toBe(200)
      expect((await late.api.get(`/conversations/${conv}`)).body.pins).toBeUndefined()
      expect((await late.api.get(`/conversations/${conv}/pins`)).body.items).toEqual([])
      const old404 = await pin(late, conv, old.seq)
      expect(old404.status).toBe(404)
      expect(old404.body.error.code).toBe('message.not_found')

      const leaver = await createUser(t.url, 'pleaver')
      await befriend(owner, leaver)
      await owner.api.post(`/groups/${groupId}/members`, { userIds: [leaver.id] })
      const recent = await sendText(owner, conv, 'recent')
      await owner.api.patch(`/groups/${groupId}/members/${leaver.id}`, { role: 'admin' })
      expect((await owner.api.delete(`/groups/${groupId}/members/${leaver.id}`)).status).toBe(204)
      expect((await pin(leaver, conv, recent.seq)).status).toBe(404)
      await unpin(owner, conv, old.seq)
    })

    it('should let either side pin in a direct chat, nobody in the world channel, and nobody across a block', async () => {
      const x = await createUser(t.url, 'px')
      const y = await createUser(t.url, 'py')
      await befriend(x, y)
      const direct = await directConversation(x, y)
      const m = await sendText(x, direct, 'pin me')
      expect((await pin(y, direct, m.seq)).status).toBe(200)
      expect(seqs((await x.api.get(`/conversations/${direct}`)).body.pins)).toEqual([m.seq])
      expect((await unpin(x, direct, m.seq)).status).toBe(200)

      const world = (await x.api.get('/conversations/world')).body.id
      const w = await sendText(x, world, 'world hello')
      const refused = await pin(x, world, w.seq)
      expect(refused.status).toBe(403)
      expect(refused.body.error.code).toBe('pin.forbidden')

      expect((await x.api.put(`/blocks/${y.id}`)).status).toBe(204)
      const blocked = await pin(y, direct, m.seq)
      expect(blocked.status).toBe(422)
      expect(blocked.body.error.code).toBe('message.blocked')
    })
  })

  describe(`${dialect}: pin rate limit`, () => {
    let t: TestApp
    beforeAll(async () => {
      t = await startTestApp({ dialect, overrides: { 'messages.pinPerMinute': 3 } })
    })
    afterAll(() => t.close())

    it('should refuse a parallel burst of pins beyond the per-minute budget with 429', async () => {
      const a = await createUser(t.url, 'pburst')
      const b = await createUser(t.url, 'pburstpeer')
      await befriend(a, b)
      const direct = await directConversation(a, b)
      const messages = []
      for (let i = 0; i < 6; i++) messages.push(await sendText(b, direct, `m${i}`))
      const statuses = (await Promise.all(messages.map((m) => pin(a, direct, m.seq)))).map((r) => r.status)
      expect(statuses.filter((s) => s === 200)).toHaveLength(3)
      expect(statuses.filter((s) => s === 429)).toHaveLength(3)
    })
  })
}
