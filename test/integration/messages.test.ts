import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { useDirectChat } from '../helpers/suite-fixtures.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('direct messages', () => {
  const chat = useDirectChat()

  it('should store a message with seq 1 and push it once to every device of both users and to nobody else', async () => {
    const bob1 = await chat.open(chat.bob)
    const bob2 = await chat.open(chat.bob)
    const alice2 = await chat.open(chat.alice)
    const carolSock = await chat.open(chat.carol)
    const res = await chat.alice.api.post(`/conversations/${chat.conv}/messages`, {
      clientMsgId: 'first',
      type: 'text',
      content: { text: 'Hi Bob 👋 你好' },
    })
    expect(res.status).toBe(201)
    expect(res.body.message).toMatchObject({
      seq: 1,
      senderId: chat.alice.id,
      clientMsgId: 'first',
      type: 'text',
      content: { text: 'Hi Bob 👋 你好' },
    })
    for (const s of [bob1, bob2, alice2]) {
      const f = await s.next('message.created')
      expect(f.message).toEqual(res.body.message)
    }
    for (const s of [bob1, bob2, alice2]) expect(await s.settle('message.created', 150)).toHaveLength(1)
    expect(await carolSock.settle('message.created', 50)).toHaveLength(0)
  })

  it('should return the stored message for a retried clientMsgId, even with changed content, and push nothing new', async () => {
    const bobSock = await chat.open(chat.bob)
    const first = await sendText(chat.alice, chat.conv, 'original', 'retry-1')
    await bobSock.next('message.created')
    const retry = await chat.alice.api.post(`/conversations/${chat.conv}/messages`, {
      clientMsgId: 'retry-1',
      type: 'text',
      content: { text: 'changed' },
    })
    expect(retry.status).toBe(200)
    expect(retry.body.message).toEqual(first)
    expect(await bobSock.settle('message.created', 150)).toHaveLength(1)
  })

  it('should store exactly one message for racing retries on two connections', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        chat.alice.api.post(`/conversations/${chat.conv}/messages`, { clientMsgId: 'race-1', type: 'text', content: { text: 'once' } }),
      ),
    )
    expect(results.filter((r) => r.status === 201)).toHaveLength(1)
    expect(new Set(results.map((r) => r.body.message.seq)).size).toBe(1)
  })

  it('should keep seq gapless and in order under concurrent senders, and deliver in seq order', async () => {
    const bobSock = await chat.open(chat.bob)
    const start = (await chat.bob.api.get(`/conversations/${chat.conv}`)).body.lastSeq
    await Promise.all(Array.from({ length: 20 }, (_, i) => sendText(i % 2 ? chat.alice : chat.bob, chat.conv, `c${i}`)))
    const pushed: number[] = []
    for (let i = 0; i < 20; i++) pushed.push((await bobSock.next('message.created')).message.seq)
    expect(pushed).toEqual(Array.from({ length: 20 }, (_, i) => start + i + 1))
    const history = await chat.bob.api.get(`/conversations/${chat.conv}/messages?after=${start}&limit=200`)
    expect(history.body.items.map((m: { seq: number }) => m.seq)).toEqual(pushed)
  })

  it('should page history: latest, before and after', async () => {
    const latest = await chat.alice.api.get(`/conversations/${chat.conv}/messages?limit=3`)
    expect(latest.status).toBe(200)
    const seqs = latest.body.items.map((m: { seq: number }) => m.seq)
    expect(seqs).toHaveLength(3)
    expect(seqs[1]).toBe(seqs[0] + 1)
    expect(latest.body.hasMore).toBe(true)
    const before = await chat.alice.api.get(`/conversations/${chat.conv}/messages?before=${seqs[0]}&limit=2`)
    expect(before.body.items.map((m: { seq: number }) => m.seq)).toEqual([seqs[0] - 2, seqs[0] - 1])
    const after = await chat.alice.api.get(`/conversations/${chat.conv}/messages?after=1&limit=2`)
    expect(after.body.items.map((m: { seq: number }) => m.seq)).toEqual([2, 3])
  })

  it('should hide a conversation from non-members with 404', async () => {
    expect((await chat.carol.api.get(`/conversations/${chat.conv}`)).status).toBe(404)
    expect((await chat.carol.api.get(`/conversations/${chat.conv}/messages`)).status).toBe(404)
    const send = await chat.carol.api.post(`/conversations/${chat.conv}/messages`, {
      clientMsgId: 'x',
      type: 'text',
      content: { text: 'sneak' },
    })
    expect(send.status).toBe(404)
    expect(send.body.error.code).toBe('conversation.not_found')
  })

  it('should refuse a direct conversation with a non-friend (422) and sends after a block (422, nothing stored or pushed)', async () => {
    const dave = await createUser(chat.t.url, 'dave')
    const open1 = await chat.alice.api.put(`/conversations/direct/${dave.id}`)
    expect(open1.status).toBe(422)
    expect(open1.body.error.code).toBe('message.not_friends')
    await befriend(chat.alice, dave)
    const c = await directConversation(chat.alice, dave)
    // chat.open first: a push of 'before block' may otherwise reach a socket opened right after the send
    const daveSock = await chat.open(dave)
    await sendText(chat.alice, c, 'before block')
    expect((await daveSock.next('message.created')).message.content.text).toBe('before block')
    expect((await dave.api.put(`/blocks/${chat.alice.id}`)).status).toBe(204)
    const refused = await chat.alice.api.post(`/conversations/${c}/messages`, {
      clientMsgId: 'blocked',
      type: 'text',
      content: { text: 'hello?' },
    })
    expect(refused.status).toBe(422)
    expect(refused.body.error.code).toBe('message.blocked')
    expect((await daveSock.settle('message.created', 150)).map((f) => f.message.content.text)).toEqual(['before block'])
    expect((await chat.alice.api.get(`/conversations/${c}`)).body.lastSeq).toBe(1)
  })

  it.each([
    [{ clientMsgId: 'v1', type: 'system', content: { text: 'fake' } }, 400, 'request.invalid'],
    [{ clientMsgId: 'v2', type: 'gif', content: {} }, 400, 'request.invalid'],
    [{ clientMsgId: 'v3', type: 'text', content: { text: '   ' } }, 400, 'request.invalid'],
    [{ clientMsgId: 'v4', type: 'text', content: { text: 'x'.repeat(4001) } }, 400, 'request.invalid'],
    [{ clientMsgId: 'v5', type: 'text', content: { text: 'deep', replyTo: { a: { b: { c: { d: 1 } } } } } }, 400, 'request.invalid'],
    [{ clientMsgId: 'v6', type: 'text', content: { text: 'x', extra: 'y'.repeat(20_000) } }, 413, 'request.too_large'],
    [{ clientMsgId: 'v7', type: 'text' }, 400, 'request.invalid'],
    [{ clientMsgId: 'bad id with spaces', type: 'text', content: { text: 'x' } }, 400, 'request.invalid'],
    [{ clientMsgId: 'v8', type: 'location', content: { lat: 91, lng: 0 } }, 400, 'request.invalid'],
  ])('should refuse bad message %j with %i and store nothing', async (body, status, code) => {
    const before = (await chat.alice.api.get(`/conversations/${chat.conv}`)).body.lastSeq
    const res = await chat.alice.api.post(`/conversations/${chat.conv}/messages`, body)
    expect(res.status).toBe(status)
    expect(res.body.error.code).toBe(code)
    expect((await chat.alice.api.get(`/conversations/${chat.conv}`)).body.lastSeq).toBe(before)
  })

  it('should accept a location message', async () => {
    const res = await chat.alice.api.post(`/conversations/${chat.conv}/messages`, {
      clientMsgId: 'loc',
      type: 'location',
      content: { lat: 31.23, lng: 121.47, name: '上海' },
    })
    expect(res.status).toBe(201)
    expect(res.body.message.content).toEqual({ lat: 31.23, lng: 121.47, name: '上海' })
  })

  it('should post the greeting of an accepted friend request as a direct message from the requester', async () => {
    const erin = await createUser(chat.t.url, 'erin')
    const frank = await createUser(chat.t.url, 'frank')
    const frankSock = await chat.open(frank)
    await befriend(erin, frank, 'Hi Frank, it is Erin!')
    const created = await frankSock.next('message.created')
    expect(created.message).toMatchObject({ senderId: erin.id, seq: 1, content: { text: 'Hi Frank, it is Erin!' } })
    const c = await directConversation(frank, erin)
    expect(created.message.conversationId).toBe(c)
  })

  it('should clear the direct history for the remover only when removing a friend with deleteHistory', async () => {
    const gus = await createUser(chat.t.url, 'gus')
    const hal = await createUser(chat.t.url, 'hal')
    await befriend(gus, hal)
    const c = await directConversation(gus, hal)
    await sendText(gus, c, 'one')
    await sendText(hal, c, 'two')
    expect((await gus.api.delete(`/friends/${hal.id}?deleteHistory=true`)).status).toBe(204)
    expect((await gus.api.get(`/conversations/${c}/messages`)).body.items).toEqual([])
    expect(
      (await hal.api.get(`/conversations/${c}/messages`)).body.items.map((m: { content: { text: string } }) => m.content.text),
    ).toEqual(['one', 'two'])
    const refused = await gus.api.post(`/conversations/${c}/messages`, {
      clientMsgId: 'after',
      type: 'text',
      content: { text: 'still there?' },
    })
    expect(refused.body.error.code).toBe('message.not_friends')
  })
})

describe('conversation list, unread and read receipts', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t.close())

  it('should count unread, move read_seq forward only, and tell the peer and my other devices', async () => {
    const ann = await createUser(t.url, 'ann')
    const ben = await createUser(t.url, 'ben')
    await befriend(ann, ben)
    const c = await directConversation(ann, ben)
    for (let i = 0; i < 3; i++) await sendText(ann, c, `m${i}`)
    const list = await ben.api.get('/conversations')
    const item = list.body.items.find((x: { id: string }) => x.id === c)
    expect(item).toMatchObject({ kind: 'direct', unreadCount: 3, lastSeq: 3, readSeq: 0, peer: { id: ann.id } })
    expect(item.lastMessage.content.text).toBe('m2')
    expect((await ann.api.get('/conversations')).body.items.find((x: { id: string }) => x.id === c).unreadCount).toBe(0)

    const annSock = await TestSocket.open(t.wsUrl, { token: ann.token })
    const ben2 = await login(t.url, ben.username)
    const ben2Sock = await TestSocket.open(t.wsUrl, { token: ben2.token })
    expect((await ben.api.post(`/conversations/${c}/read`, { seq: 2 })).body.readSeq).toBe(2)
    expect(await annSock.next('conversation.read')).toMatchObject({ conversationId: c, userId: ben.id, seq: 2 })
    expect(await ben2Sock.next('conversation.read')).toMatchObject({ conversationId: c, userId: ben.id, seq: 2 })
    expect((await ben.api.post(`/conversations/${c}/read`, { seq: 1 })).body.readSeq).toBe(2)
    expect((await ben.api.get(`/conversations/${c}`)).body.unreadCount).toBe(1)
    annSock.close()
    ben2Sock.close()
  })

  it('should clamp a read mark to what the reader may see: past the end, after leaving; strangers get 404', async () => {
    const owner = await createUser(t.url, 'rowner')
    const reader = await createUser(t.url, 'rreader')
    const stranger = await createUser(t.url, 'rstranger')
    const group = (await owner.api.post('/groups', { name: 'Reads', joinPolicy: 'open' })).body.group
    const c = group.conversationId
    expect((await reader.api.post(`/groups/${group.id}/join`)).status).toBe(200) // seq 2
    await sendText(owner, c, 'three')
    await sendText(owner, c, 'four')
    expect((await reader.api.post(`/conversations/${c}/read`, { seq: 99 })).body.readSeq).toBe(4)
    expect((await reader.api.post(`/conversations/${c}/read`, { seq: 99 })).body.readSeq).toBe(4)
    expect((await reader.api.post(`/groups/${group.id}/leave`)).status).toBe(204) // seq 5
    await sendText(owner, c, 'six')
    expect((await reader.api.post(`/conversations/${c}/read`, { seq: 99 })).body.readSeq).toBe(5)
    const refused = await stranger.api.post(`/conversations/${c}/read`, { seq: 1 })
    expect(refused.status).toBe(404)
    expect(refused.body.error.code).toBe('conversation.not_found')
  })

  it('should list pinned conversations first and tell my other devices about pin and mute', async () => {
    const me = await createUser(t.url, 'lister')
    const peers = [await createUser(t.url, 'p1'), await createUser(t.url, 'p2')]
    const ids: string[] = []
    for (const p of peers) {
      await befriend(me, p)
      const c = await directConversation(me, p)
      await sendText(p, c, 'hello')
      ids.push(c)
    }
    const other = await login(t.url, me.username)
    const otherSock = await TestSocket.open(t.wsUrl, { token: other.token })
    const res = await me.api.patch(`/conversations/${ids[0]}`, { pinned: true, muted: true })
    expect(res.body).toMatchObject({ pinned: true, muted: true })
    expect((await otherSock.next('conversation.updated')).conversation).toMatchObject({ id: ids[0], pinned: true, muted: true })
    const list = await me.api.get('/conversations?limit=1')
    expect(list.body.items[0].id).toBe(ids[0])
    const page2 = await me.api.get(`/conversations?limit=5&cursor=${list.body.nextCursor}`)
    // every user is also a member of the world channel (from registration), listed by its activity
    expect(page2.body.items.filter((x: { kind: string }) => x.kind !== 'world').map((x: { id: string }) => x.id)).toEqual([ids[1]])
    otherSock.close()
  })
})
