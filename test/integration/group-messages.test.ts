import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

const text = (f: { [key: string]: any }): string => f.message.content.text ?? `[${f.message.content.event}]`

describe('group chat', () => {
  let t: TestApp
  let owner: TestUser
  let admin: TestUser
  let member: TestUser
  let outsider: TestUser
  let groupId: string
  let conv: string

  beforeAll(async () => {
    t = await startTestApp()
    owner = await createUser(t.url, 'gowner')
    admin = await createUser(t.url, 'gadmin')
    member = await createUser(t.url, 'gmember')
    outsider = await createUser(t.url, 'goutsider')
    await befriend(owner, admin)
    await befriend(owner, member)
    const res = await owner.api.post('/groups', { name: 'Hikers 🥾', memberIds: [admin.id, member.id] })
    expect(res.status).toBe(201)
    groupId = res.body.group.id
    conv = res.body.group.conversationId
    expect((await owner.api.patch(`/groups/${groupId}/members/${admin.id}`, { role: 'admin' })).status).toBe(200)
  })
  afterAll(() => t.close())

  it('should deliver a group message once to every member device and to no outsider', async () => {
    const sockets = await Promise.all([owner, admin, member, member].map((u) => TestSocket.open(t.wsUrl, { token: u.token })))
    const out = await TestSocket.open(t.wsUrl, { token: outsider.token })
    const sent = await sendText(member, conv, 'hello group')
    for (const s of sockets) expect((await s.next('message.created')).message).toEqual(sent)
    for (const s of sockets) expect(await s.settle('message.created', 100)).toHaveLength(1)
    expect(await out.settle('message.created', 10)).toHaveLength(0)
    const refused = await outsider.api.post(`/conversations/${conv}/messages`, {
      clientMsgId: 'o1',
      type: 'text',
      content: { text: 'let me in' },
    })
    expect(refused.status).toBe(404)
    for (const s of [...sockets, out]) s.close()
  })

  it('should show system messages about membership in history, in order with the messages', async () => {
    const history = await owner.api.get(`/conversations/${conv}/messages?limit=200`)
    const items = history.body.items as Array<{ seq: number; type: string; senderId: string | null }>
    expect(items.map((m) => m.seq)).toEqual(items.map((_, i) => items[0]!.seq + i))
    expect(items[0]).toMatchObject({ type: 'system', senderId: null })
    expect(items.filter((m) => m.type === 'system').length).toBeGreaterThanOrEqual(2)
  })

  it('should refuse a muted member (422 message.muted) but let owner and admins speak', async () => {
    const until = new Date(Date.now() + 60_000).toISOString()
    expect((await admin.api.patch(`/groups/${groupId}/members/${member.id}`, { mutedUntil: until })).status).toBe(200)
    const res = await member.api.post(`/conversations/${conv}/messages`, {
      clientMsgId: 'muted-1',
      type: 'text',
      content: { text: 'can I?' },
    })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('message.muted')
    await sendText(admin, conv, 'admins still talk')
    expect((await admin.api.patch(`/groups/${groupId}/members/${member.id}`, { mutedUntil: null })).status).toBe(200)
    await sendText(member, conv, 'free again')
    // the owner may mute an admin, and then the admin is muted too
    expect((await owner.api.patch(`/groups/${groupId}/members/${admin.id}`, { mutedUntil: until })).status).toBe(200)
    const adminMuted = await admin.api.post(`/conversations/${conv}/messages`, {
      clientMsgId: 'muted-admin',
      type: 'text',
      content: { text: 'me?' },
    })
    expect(adminMuted.body.error.code).toBe('message.muted')
    expect((await owner.api.patch(`/groups/${groupId}/members/${admin.id}`, { mutedUntil: null })).status).toBe(200)
  })

  it('should refuse members while the whole group is muted, except owner and admins', async () => {
    expect((await owner.api.patch(`/groups/${groupId}`, { muteAll: true })).status).toBe(200)
    const res = await member.api.post(`/conversations/${conv}/messages`, {
      clientMsgId: 'muteall-1',
      type: 'text',
      content: { text: 'hello?' },
    })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('message.group_muted')
    await sendText(admin, conv, 'announcement')
    expect((await owner.api.patch(`/groups/${groupId}`, { muteAll: false })).status).toBe(200)
  })

  it('should allow @all only for owner and admins', async () => {
    const body = (id: string) => ({ clientMsgId: id, type: 'text', content: { text: '@all look', mentions: ['all'] } })
    const byMember = await member.api.post(`/conversations/${conv}/messages`, body('all-m'))
    expect(byMember.status).toBe(422)
    expect(byMember.body.error.code).toBe('message.mention_all_forbidden')
    expect((await admin.api.post(`/conversations/${conv}/messages`, body('all-a'))).status).toBe(201)
  })

  it('should let an admin recall a member message at any time, but not the owner’s', async () => {
    const m = await sendText(member, conv, 'off-topic')
    const res = await admin.api.delete(`/conversations/${conv}/messages/${m.seq}`)
    expect(res.status).toBe(200)
    expect(res.body.message.content).toEqual({})
    const o = await sendText(owner, conv, 'owner speaks')
    const refused = await admin.api.delete(`/conversations/${conv}/messages/${o.seq}`)
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('group.rank')
  })

  it('should stop pushing to a removed member at once, on every socket, after the removal notice', async () => {
    const victim = await createUser(t.url, 'gvictim')
    await befriend(owner, victim)
    expect((await owner.api.post(`/groups/${groupId}/members`, { userIds: [victim.id] })).status).toBeLessThan(300)
    const v1 = await TestSocket.open(t.wsUrl, { token: victim.token })
    const v2 = await TestSocket.open(t.wsUrl, { token: victim.token })
    await sendText(owner, conv, 'before removal')
    expect((await owner.api.delete(`/groups/${groupId}/members/${victim.id}`)).status).toBeLessThan(300)
    await sendText(owner, conv, 'after removal')
    for (const s of [v1, v2]) {
      await s.next('message.created')
      await s.next('message.created')
      // the push of the victim's own joining notice may reach sockets opened right after it
      const got = (await s.settle('message.created', 200)).map(text).filter((t) => t !== '[members_added]')
      expect(got).toEqual(['before removal', '[member_left]'])
    }
    const history = await victim.api.get(`/conversations/${conv}/messages?limit=5`)
    expect(history.body.items.at(-1).type).toBe('system')
    expect(JSON.stringify(history.body)).not.toContain('after removal')
    const send = await victim.api.post(`/conversations/${conv}/messages`, { clientMsgId: 'gone', type: 'text', content: { text: 'hey' } })
    expect(send.status).toBe(404)
    v1.close()
    v2.close()
  })

  it('should show a new member only the history from their joining on', async () => {
    const late = await createUser(t.url, 'glate')
    await befriend(owner, late)
    await owner.api.post(`/groups/${groupId}/members`, { userIds: [late.id] })
    const history = await late.api.get(`/conversations/${conv}/messages?limit=200`)
    expect(history.body.items).toHaveLength(1)
    expect(history.body.items[0]).toMatchObject({ type: 'system' })
    const summary = (await late.api.get(`/conversations/${conv}`)).body
    expect(summary.joinSeq).toBe(history.body.items[0].seq)
    expect(summary.unreadCount).toBe(1)
  })
})
