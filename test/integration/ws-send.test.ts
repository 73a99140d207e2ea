import { describe, expect, it } from 'vitest'
import { createUser, login } from '../helpers/api-client.js'
import { befriend, createGroup, directConversation, sendText } from '../helpers/social.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { useDirectChat } from '../helpers/suite-fixtures.js'

for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: sending over the WebSocket (message.send)`, () => {
    const chat = useDirectChat({ dialect, overrides: { 'messages.sendPerMinute': 25 } })

    it('should ack with the stored message (the REST view) and push message.created once to each receiver', async () => {
      const aliceSock = await chat.open(chat.alice)
      const bob1 = await chat.open(chat.bob)
      const bob2 = await chat.open(chat.bob)
      const carolSock = await chat.open(chat.carol)
      const ack = await aliceSock.sendMessage(chat.conv, { clientMsgId: 'ws-1', text: 'over the socket 你好' })
      expect(ack.type).toBe('message.ack')
      expect(ack.message).toMatchObject({
        seq: 1,
        senderId: chat.alice.id,
        clientMsgId: 'ws-1',
        type: 'text',
        content: { text: 'over the socket 你好' },
      })
      const history = await chat.bob.api.get(`/conversations/${chat.conv}/messages`)
      expect(history.body.items).toEqual([ack.message])
      for (const s of [bob1, bob2]) expect((await s.next('message.created')).message).toEqual(ack.message)
      for (const s of [bob1, bob2]) expect(await s.settle('message.created', 150)).toHaveLength(1)
      expect(await carolSock.settle('message.created', 20)).toHaveLength(0)
    })

    it('should answer a retried frame with the same message and push nothing new', async () => {
      const aliceSock = await chat.open(chat.alice)
      const bobSock = await chat.open(chat.bob)
      const first = await aliceSock.sendMessage(chat.conv, { clientMsgId: 'ws-retry', text: 'once' })
      const again = await aliceSock.sendMessage(chat.conv, { clientMsgId: 'ws-retry', text: 'changed' })
      expect(again.type).toBe('message.ack')
      expect(again.message).toEqual(first.message)
      // the REST route sees the same idempotency key
      const rest = await chat.alice.api.post(`/conversations/${chat.conv}/messages`, {
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
      const s = await chat.open(chat.alice)
      const answers = await Promise.all(Array.from({ length: 6 }, () => s.sendMessage(chat.conv, { clientMsgId: 'ws-race', text: 'race' })))
      expect(answers.every((a) => a.type === 'message.ack')).toBe(true)
      expect(new Set(answers.map((a) => (a.type === 'message.ack' ? a.message.seq : null))).size).toBe(1)
    })

    it('should refuse a non-member with conversation.not_found and push nothing', async () => {
      const carolSock = await chat.open(chat.carol)
      const bobSock = await chat.open(chat.bob)
      const res = await carolSock.sendMessage(chat.conv, { clientMsgId: 'sneak' })
      expect(res).toMatchObject({ type: 'error', code: 'conversation.not_found' })
      const unknown = await carolSock.sendMessage('not-an-id', { clientMsgId: 'sneak2' })
      expect(unknown).toMatchObject({ type: 'error', code: 'conversation.not_found' })
      expect(await bobSock.settle('message.created', 100)).toHaveLength(0)
    })

    it('should refuse invalid frames with request.invalid naming the field', async () => {
      const s = await chat.open(chat.alice)
      const badId = await s.sendMessage(chat.conv, { clientMsgId: 'has space' })
      expect(badId).toMatchObject({ type: 'error', code: 'request.invalid' })
      expect(badId.message).toContain('clientMsgId')
      const emptyText = await s.sendMessage(chat.conv, { clientMsgId: 'empty', content: { text: '' } })
      expect(emptyText).toMatchObject({ type: 'error', code: 'request.invalid' })
      const badType = await s.sendMessage(chat.conv, { clientMsgId: 'weird', messageType: 'system', content: { event: 'x' } })
      expect(badType.type).toBe('error')
      s.send({ type: 'message.send', ref: 'no-content', conversationId: chat.conv, clientMsgId: 'nc', messageType: 'text' })
      const missing = await s.next('error')
      expect(missing).toMatchObject({ ref: 'no-content', code: 'request.invalid' })
      expect(missing.message).toContain('content')
      const history = await chat.alice.api.get(`/conversations/${chat.conv}/messages?limit=200`)
      expect(history.body.items.map((m: { clientMsgId: string }) => m.clientMsgId)).not.toContain('empty')
    })

    it('should refuse sends across a block with message.blocked and store nothing', async () => {
      const dave = await createUser(chat.t.url, 'dave')
      await befriend(chat.alice, dave)
      const c = await directConversation(chat.alice, dave)
      const s = await chat.open(chat.alice)
      expect((await s.sendMessage(c, { clientMsgId: 'pre-block' })).type).toBe('message.ack')
      expect((await dave.api.put(`/blocks/${chat.alice.id}`)).status).toBe(204)
      expect(await s.sendMessage(c, { clientMsgId: 'post-block' })).toMatchObject({ type: 'error', code: 'message.blocked' })
      expect((await chat.alice.api.get(`/conversations/${c}`)).body.lastSeq).toBe(1)
    })

    it('should refuse a muted group member and members of a muted group', async () => {
      const owner = await createUser(chat.t.url, 'gowner')
      const member = await createUser(chat.t.url, 'gmember')
      await befriend(owner, member)
      const { group } = await createGroup(owner, { name: 'ws group', memberIds: [member.id] })
      const [groupId, gconv] = [group.id, group.conversationId]
      const s = await chat.open(member)
      expect((await s.sendMessage(gconv, { clientMsgId: 'g1' })).type).toBe('message.ack')
      const until = new Date(Date.now() + 60_000).toISOString()
      expect((await owner.api.patch(`/groups/${groupId}/members/${member.id}`, { mutedUntil: until })).status).toBe(200)
      expect(await s.sendMessage(gconv, { clientMsgId: 'g2' })).toMatchObject({ type: 'error', code: 'message.muted' })
      expect((await owner.api.patch(`/groups/${groupId}/members/${member.id}`, { mutedUntil: null })).status).toBe(200)
      expect((await owner.api.patch(`/groups/${groupId}`, { muteAll: true })).status).toBe(200)
      expect(await s.sendMessage(gconv, { clientMsgId: 'g3' })).toMatchObject({ type: 'error', code: 'message.group_muted' })
      expect(await s.sendMessage(gconv, { clientMsgId: 'g4', content: { text: 'hey', mentions: ['all'] } })).toMatchObject({
        type: 'error',
        code: 'message.group_muted',
      })
      expect((await owner.api.patch(`/groups/${groupId}`, { muteAll: false })).status).toBe(200)
      expect(await s.sendMessage(gconv, { clientMsgId: 'g5', content: { text: 'hey', mentions: ['all'] } })).toMatchObject({
        type: 'error',
        code: 'message.mention_all_forbidden',
      })
      expect((await s.sendMessage(gconv, { clientMsgId: 'g6' })).type).toBe('message.ack')
    })

    it('should refuse world sends while the world is closed or the user is muted there', async () => {
      const boss = await createUser(chat.t.url, 'boss')
      await chat.t.app.store.users.setRole(boss.id, 'admin', Date.now())
      const admin = await login(chat.t.url, boss.username)
      const user = await createUser(chat.t.url, 'talker')
      const w = (await user.api.get('/conversations/world')).body.id
      const s = await chat.open(user)
      expect((await admin.api.put('/admin/world', { open: false })).status).toBe(200)
      expect(await s.sendMessage(w, { clientMsgId: 'w1' })).toMatchObject({ type: 'error', code: 'message.world_closed' })
      expect((await admin.api.put('/admin/world', { open: true })).status).toBe(200)
      expect((await s.sendMessage(w, { clientMsgId: 'w2' })).type).toBe('message.ack')
      const until = new Date(Date.now() + 60_000).toISOString()
      expect((await admin.api.put(`/admin/world/mutes/${user.id}`, { until, reason: 'spam' })).status).toBe(200)
      expect(await s.sendMessage(w, { clientMsgId: 'w3' })).toMatchObject({ type: 'error', code: 'message.muted' })
      expect((await admin.api.delete(`/admin/world/mutes/${user.id}`)).status).toBe(204)
      expect((await s.sendMessage(w, { clientMsgId: 'w4' })).type).toBe('message.ack')
    })

    it('should share the send rate limit with the REST route and answer rate_limited with retryAfter', async () => {
      const erin = await createUser(chat.t.url, 'erin')
      const frank = await createUser(chat.t.url, 'frank')
      await befriend(erin, frank)
      const c = await directConversation(erin, frank)
      const s = await chat.open(erin)
      // 25 a minute: 20 over REST, 5 over the socket, then the socket is refused
      for (let i = 0; i < 20; i++) await sendText(erin, c, `rest ${i}`)
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => s.sendMessage(c, { clientMsgId: `burst-${i}` })))
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
