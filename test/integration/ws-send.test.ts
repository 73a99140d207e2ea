import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket, type Frame } from '../helpers/ws-client.js'

let refs = 0
/** Sends a `message.send` frame and waits for the answer with its ref (ack or error). */
async function wsSend(
  socket: TestSocket,
  conversationId: string,
  fields: { clientMsgId: string; text?: string; messageType?: string; content?: Record<string, unknown> },
): Promise<Frame> {
  const ref = `r${++refs}`
  socket.send({
    type: 'message.send',
    ref,
    conversationId,
    clientMsgId: fields.clientMsgId,
    messageType: fields.messageType ?? 'text',
    content: fields.content ?? { text: fields.text ?? 'hi' },
  })
  return socket.reply(ref)
}

for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: sending over the WebSocket (message.send)`, () => {
    let t: TestApp
    let alice: TestUser
    let bob: TestUser
    let carol: TestUser
    let conv: string
    const sockets: TestSocket[] = []
    const open = async (user: TestUser) => {
      const s = await TestSocket.open(t.wsUrl, { token: user.token })
      sockets.push(s)
      return s
    }

    beforeAll(async () => {
      t = await startTestApp({ dialect, overrides: { 'messages.sendPerMinute': 25 } })
      alice = await createUser(t.url, 'alice')
      bob = await createUser(t.url, 'bob')
      carol = await createUser(t.url, 'carol')
      await befriend(alice, bob)
      conv = await directConversation(alice, bob)
    })
    afterAll(async () => {
      for (const s of sockets) s.close()
      await t.close()
    })

    it('should ack with the stored message (the REST view) and push message.created once to each receiver', async () => {
      const aliceSock = await open(alice)
      const bob1 = await open(bob)
      const bob2 = await open(bob)
      const carolSock = await open(carol)
      const ack = await wsSend(aliceSock, conv, { clientMsgId: 'ws-1', text: 'over the socket 你好' })
      expect(ack.type).toBe('message.ack')
      expect(ack.message).toMatchObject({
        seq: 1,
        senderId: alice.id,
        clientMsgId: 'ws-1',
        type: 'text',
        content: { text: 'over the socket 你好' },
      })
      const history = await bob.api.get(`/conversations/${conv}/messages`)
      expect(history.body.items).toEqual([ack.message])
      for (const s of [bob1, bob2]) expect((await s.next('message.created')).message).toEqual(ack.message)
      for (const s of [bob1, bob2]) expect(await s.settle('message.created', 150)).toHaveLength(1)
      expect(await carolSock.settle('message.created', 20)).toHaveLength(0)
    })

    it('should answer a retried frame with the same message and push nothing new', async () => {
      const aliceSock = await open(alice)
      const bobSock = await open(bob)
      const first = await wsSend(aliceSock, conv, { clientMsgId: 'ws-retry', text: 'once' })
      const again = await wsSend(aliceSock, conv, { clientMsgId: 'ws-retry', text: 'changed' })
      expect(again.type).toBe('message.ack')
      expect(again.message).toEqual(first.message)
      // the REST route sees the same idempotency key
      const rest = await alice.api.post(`/conversations/${conv}/messages`, {
        clientMsgId: 'ws-retry',
        type: 'text',
        content: { text: 'x' },
      })
      expect(rest.status).toBe(200)
      expect(rest.body.message).toEqual(first.message)
      expect((await bobSock.next('message.created')).message).toEqual(first.message)
      expect(await bobSock.settle('message.created', 150)).toHaveLength(1)
    })

    it('should store one message for racing retries of one frame', async () => {
      const s = await open(alice)
      const answers = await Promise.all(Array.from({ length: 6 }, () => wsSend(s, conv, { clientMsgId: 'ws-race', text: 'race' })))
      expect(answers.every((a) => a.type === 'message.ack')).toBe(true)
      expect(new Set(answers.map((a) => a.message.seq)).size).toBe(1)
    })

    it('should refuse a non-member with conversation.not_found and push nothing', async () => {
      const carolSock = await open(carol)
      const bobSock = await open(bob)
      const res = await wsSend(carolSock, conv, { clientMsgId: 'sneak' })
      expect(res).toMatchObject({ type: 'error', code: 'conversation.not_found' })
      const unknown = await wsSend(carolSock, 'not-an-id', { clientMsgId: 'sneak2' })
      expect(unknown).toMatchObject({ type: 'error', code: 'conversation.not_found' })
      expect(await bobSock.settle('message.created', 100)).toHaveLength(0)
    })

    it('should refuse invalid frames with request.invalid naming the field', async () => {
      const s = await open(alice)
      const badId = await wsSend(s, conv, { clientMsgId: 'has space' })
      expect(badId).toMatchObject({ type: 'error', code: 'request.invalid' })
      expect(badId.message).toContain('clientMsgId')
      const emptyText = await wsSend(s, conv, { clientMsgId: 'empty', content: { text: '' } })
      expect(emptyText).toMatchObject({ type: 'error', code: 'request.invalid' })
      const badType = await wsSend(s, conv, { clientMsgId: 'weird', messageType: 'system', content: { event: 'x' } })
      expect(badType.type).toBe('error')
      s.send({ type: 'message.send', ref: 'no-content', conversationId: conv, clientMsgId: 'nc', messageType: 'text' })
      const missing = await s.next('error')
      expect(missing).toMatchObject({ ref: 'no-content', code: 'request.invalid' })
      expect(missing.message).toContain('content')
      const history = await alice.api.get(`/conversations/${conv}/messages?limit=200`)
      expect(history.body.items.map((m: { clientMsgId: string }) => m.clientMsgId)).not.toContain('empty')
    })

    it('should refuse sends across a block with message.blocked and store nothing', async () => {
      const dave = await createUser(t.url, 'dave')
      await befriend(alice, dave)
      const c = await directConversation(alice, dave)
      const s = await open(alice)
      expect((await wsSend(s, c, { clientMsgId: 'pre-block' })).type).toBe('message.ack')
      expect((await dave.api.put(`/blocks/${alice.id}`)).status).toBe(204)
      expect(await wsSend(s, c, { clientMsgId: 'post-block' })).toMatchObject({ type: 'error', code: 'message.blocked' })
      expect((await alice.api.get(`/conversations/${c}`)).body.lastSeq).toBe(1)
    })

    it('should refuse a muted group member and members of a muted group', async () => {
      const owner = await createUser(t.url, 'gowner')
      const member = await createUser(t.url, 'gmember')
      await befriend(owner, member)
      const g = await owner.api.post('/groups', { name: 'ws group', memberIds: [member.id] })
      const groupId = g.body.group.id
      const gconv = g.body.group.conversationId
      const s = await open(member)
      expect((await wsSend(s, gconv, { clientMsgId: 'g1' })).type).toBe('message.ack')
      const until = new Date(Date.now() + 60_000).toISOString()
      expect((await owner.api.patch(`/groups/${groupId}/members/${member.id}`, { mutedUntil: until })).status).toBe(200)
      expect(await wsSend(s, gconv, { clientMsgId: 'g2' })).toMatchObject({ type: 'error', code: 'message.muted' })
      expect((await owner.api.patch(`/groups/${groupId}/members/${member.id}`, { mutedUntil: null })).status).toBe(200)
      expect((await owner.api.patch(`/groups/${groupId}`, { muteAll: true })).status).toBe(200)
      expect(await wsSend(s, gconv, { clientMsgId: 'g3' })).toMatchObject({ type: 'error', code: 'message.group_muted' })
      expect(await wsSend(s, gconv, { clientMsgId: 'g4', content: { text: 'hey', mentions: ['all'] } })).toMatchObject({
        type: 'error',
        code: 'message.group_muted',
      })
      expect((await owner.api.patch(`/groups/${groupId}`, { muteAll: false })).status).toBe(200)
      expect(await wsSend(s, gconv, { clientMsgId: 'g5', content: { text: 'hey', mentions: ['all'] } })).toMatchObject({
        type: 'error',
        code: 'message.mention_all_forbidden',
      })
      expect((await wsSend(s, gconv, { clientMsgId: 'g6' })).type).toBe('message.ack')
    })

    it('should refuse world sends while the world is closed or the user is muted there', async () => {
      const boss = await createUser(t.url, 'boss')
      await t.app.store.users.setRole(boss.id, 'admin', Date.now())
      const admin = await login(t.url, boss.username)
      const user = await createUser(t.url, 'talker')
      const w = (await user.api.get('/conversations/world')).body.id
      const s = await open(user)
      expect((await admin.api.put('/admin/world', { open: false })).status).toBe(200)
      expect(await wsSend(s, w, { clientMsgId: 'w1' })).toMatchObject({ type: 'error', code: 'message.world_closed' })
      expect((await admin.api.put('/admin/world', { open: true })).status).toBe(200)
      expect((await wsSend(s, w, { clientMsgId: 'w2' })).type).toBe('message.ack')
      const until = new Date(Date.now() + 60_000).toISOString()
      expect((await admin.api.put(`/admin/world/mutes/${user.id}`, { until, reason: 'spam' })).status).toBe(200)
      expect(await wsSend(s, w, { clientMsgId: 'w3' })).toMatchObject({ type: 'error', code: 'message.muted' })
      expect((await admin.api.delete(`/admin/world/mutes/${user.id}`)).status).toBe(204)
      expect((await wsSend(s, w, { clientMsgId: 'w4' })).type).toBe('message.ack')
    })

    it('should share the send rate limit with the REST route and answer rate_limited with retryAfter', async () => {
      const erin = await createUser(t.url, 'erin')
      const frank = await createUser(t.url, 'frank')
      await befriend(erin, frank)
      const c = await directConversation(erin, frank)
      const s = await open(erin)
      // 25 a minute: 20 over REST, 5 over the socket, then the socket is refused
      for (let i = 0; i < 20; i++) await sendText(erin, c, `rest ${i}`)
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => wsSend(s, c, { clientMsgId: `burst-${i}` })))
      expect(answers.filter((a) => a.type === 'message.ack')).toHaveLength(5)
      const refused = answers.filter((a) => a.type === 'error')
      expect(refused).toHaveLength(3)
      for (const r of refused) {
        expect(r.code).toBe('rate_limited')
        expect(r.retryAfter).toBeGreaterThan(0)
      }
      expect((await erin.api.get(`/conversations/${c}`)).body.lastSeq).toBe(25)
    })
  })
}
