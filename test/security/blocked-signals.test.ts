import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('a block silences typing and read receipts in the direct chat', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t?.close())

  it('should not let the blocked peer (nor the blocker) send typing or read signals to the other', async () => {
    const amy = await createUser(t.url, 'blocker')
    const ben = await createUser(t.url, 'blocked')
    await befriend(amy, ben)
    const conv = await directConversation(amy, ben)
    const m = await sendText(amy, conv, 'before the block')
    expect((await amy.api.put(`/blocks/${ben.id}`)).status).toBe(204)

    const amySock = await TestSocket.open(t.wsUrl, { token: amy.token })
    const benSock = await TestSocket.open(t.wsUrl, { token: ben.token })
    benSock.send({ type: 'typing', conversationId: conv })
    expect((await benSock.next('error')).code).toBe('message.blocked')
    amySock.send({ type: 'typing', conversationId: conv })
    expect((await amySock.next('error')).code).toBe('message.blocked')

    const read = await ben.api.post(`/conversations/${conv}/read`, { seq: m.seq })
    expect(read.status).toBe(200)
    // the reader's own devices still hear it; the blocker hears nothing
    expect(await benSock.next('conversation.read')).toMatchObject({ conversationId: conv, userId: ben.id, seq: m.seq })
    expect(await amySock.settle('typing', 300)).toHaveLength(0)
    expect(await amySock.settle('conversation.read', 10)).toHaveLength(0)
    expect(await benSock.settle('typing', 10)).toHaveLength(0)
    amySock.close()
    benSock.close()
  })
})
