import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/shared/clock.js'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('edits, recalls, typing and read lists in direct chats', () => {
  let t: TestApp
  let clock: ManualClock
  let amy: TestUser
  let ben: TestUser
  let conv: string
  beforeAll(async () => {
    clock = new ManualClock(Date.now())
    t = await startTestApp({ clock, overrides: { 'messages.editWindowSeconds': 60, 'messages.recallWindowSeconds': 30 } })
    amy = await createUser(t.url, 'amy')
    ben = await createUser(t.url, 'ben')
    await befriend(amy, ben)
    conv = await directConversation(amy, ben)
  })
  afterAll(() => t.close())

  it('should edit my own text message, bump modSeq and push message.updated to the peer', async () => {
    const m = await sendText(amy, conv, 'helo')
    const benSock = await TestSocket.open(t.wsUrl, { token: ben.token })
    const res = await amy.api.patch(`/conversations/${conv}/messages/${m.seq}`, { content: { text: 'hello' } })
    expect(res.status).toBe(200)
    expect(res.body.message).toMatchObject({ seq: m.seq, content: { text: 'hello' } })
    expect(res.body.message.editedAt).not.toBeNull()
    expect(res.body.message.modSeq).toBeGreaterThan(0)
    expect((await benSock.next('message.updated')).message).toEqual(res.body.message)
    const conversation = (await ben.api.get(`/conversations/${conv}`)).body
    expect(conversation.modSeq).toBe(res.body.message.modSeq)
    benSock.close()
  })

  it('should refuse editing someone else’s message, after the window, or a recalled one', async () => {
    const m = await sendText(amy, conv, 'mine')
    const notMine = await ben.api.patch(`/conversations/${conv}/messages/${m.seq}`, { content: { text: 'hijack' } })
    expect(notMine.status).toBe(422)
    expect(notMine.body.error.code).toBe('message.not_editable')
    clock.advance(61_000)
    const late = await amy.api.patch(`/conversations/${conv}/messages/${m.seq}`, { content: { text: 'late' } })
    expect(late.status).toBe(422)
    expect(late.body.error.code).toBe('message.edit_window')
    const fresh = await sendText(amy, conv, 'to recall')
    expect((await amy.api.delete(`/conversations/${conv}/messages/${fresh.seq}`)).status).toBe(200)
    const recalled = await amy.api.patch(`/conversations/${conv}/messages/${fresh.seq}`, { content: { text: 'again' } })
    expect(recalled.body.error.code).toBe('message.not_editable')
    expect((await amy.api.patch(`/conversations/${conv}/messages/99999`, { content: { text: 'x' } })).status).toBe(404)
  })

  it('should recall my own message within the window, leaving a placeholder in history for everyone', async () => {
    const m = await sendText(amy, conv, 'oops secret')
    const benSock = await TestSocket.open(t.wsUrl, { token: ben.token })
    const res = await amy.api.delete(`/conversations/${conv}/messages/${m.seq}`)
    expect(res.status).toBe(200)
    expect(res.body.message).toMatchObject({ seq: m.seq, content: {} })
    expect(res.body.message.recalledAt).not.toBeNull()
    expect((await benSock.next('message.recalled')).message.seq).toBe(m.seq)
    const history = await ben.api.get(`/conversations/${conv}/messages?after=${m.seq - 1}&limit=1`)
    expect(history.body.items[0]).toMatchObject({ seq: m.seq, content: {} })
    expect(JSON.stringify(history.body)).not.toContain('oops secret')
    benSock.close()
  })

  it('should refuse recalling after the window or someone else’s message in a direct chat', async () => {
    const m = await sendText(amy, conv, 'old')
    const other = await ben.api.delete(`/conversations/${conv}/messages/${m.seq}`)
    expect(other.status).toBe(403)
    expect(other.body.error.code).toBe('message.forbidden')
    clock.advance(31_000)
    const late = await amy.api.delete(`/conversations/${conv}/messages/${m.seq}`)
    expect(late.status).toBe(422)
    expect(late.body.error.code).toBe('message.recall_window')
  })

  it('should let a client that was offline during an edit and a recall catch up through resume and changedSince', async () => {
    const a = await sendText(amy, conv, 'will edit')
    const b = await sendText(amy, conv, 'will recall')
    const before = (await ben.api.get(`/conversations/${conv}`)).body
    await amy.api.patch(`/conversations/${conv}/messages/${a.seq}`, { content: { text: 'edited while away' } })
    await amy.api.delete(`/conversations/${conv}/messages/${b.seq}`)
    const sock = await TestSocket.open(t.wsUrl, { token: ben.token })
    sock.send({ type: 'resume', positions: { [conv]: { seq: before.lastSeq, modSeq: before.modSeq } } })
    await sock.next('resumed')
    expect(sock.all('message.updated').map((f) => f.message)).toEqual([
      expect.objectContaining({ seq: a.seq, content: { text: 'edited while away' } }),
    ])
    expect(sock.all('message.recalled').map((f) => f.message)).toEqual([expect.objectContaining({ seq: b.seq, content: {} })])
    expect(sock.all('message.created')).toHaveLength(0)
    const changes = await ben.api.get(`/conversations/${conv}/messages?changedSince=${before.modSeq}`)
    expect(changes.body.items.map((m: { seq: number }) => m.seq)).toEqual([a.seq, b.seq])
    expect(changes.body.modSeq).toBeGreaterThan(before.modSeq)
    sock.close()
  })

  it('should push typing to the peer only, throttled, and list who read a message', async () => {
    const amySock = await TestSocket.open(t.wsUrl, { token: amy.token })
    const benSock = await TestSocket.open(t.wsUrl, { token: ben.token })
    const outsider = await createUser(t.url, 'outsider')
    const outSock = await TestSocket.open(t.wsUrl, { token: outsider.token })
    benSock.send({ type: 'typing', conversationId: conv })
    benSock.send({ type: 'typing', conversationId: conv })
    expect(await amySock.next('typing')).toMatchObject({ conversationId: conv, userId: ben.id })
    expect(await amySock.settle('typing', 200)).toHaveLength(1)
    expect(await outSock.settle('typing', 10)).toHaveLength(0)
    outSock.send({ type: 'typing', conversationId: conv })
    expect((await outSock.next('error')).code).toBe('conversation.not_found')

    const m = await sendText(amy, conv, 'read me')
    expect((await amy.api.get(`/conversations/${conv}/messages/${m.seq}/reads`)).body).toEqual({ count: 1, userIds: [amy.id] })
    await ben.api.post(`/conversations/${conv}/read`, { seq: m.seq })
    const reads = await amy.api.get(`/conversations/${conv}/messages/${m.seq}/reads`)
    expect(reads.body.count).toBe(2)
    expect(reads.body.userIds.sort()).toEqual([amy.id, ben.id].sort())
    expect((await outsider.api.get(`/conversations/${conv}/messages/${m.seq}/reads`)).status).toBe(404)
    for (const s of [amySock, benSock, outSock]) s.close()
  })
})
