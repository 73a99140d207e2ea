import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('pushes that carry a message follow the visible range of history', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t.close())

  it('should tell a late joiner nothing about edits and recalls before their join, and a former member nothing after leaving', async () => {
    const [owner, old, leaver, late] = await Promise.all(['vowner', 'vold', 'vleaver', 'vlate'].map((n) => createUser(t.url, n)))
    const group = (await owner!.api.post('/groups', { name: 'Visible', joinPolicy: 'open' })).body.group
    const c = group.conversationId
    await old!.api.post(`/groups/${group.id}/join`) // 2
    await leaver!.api.post(`/groups/${group.id}/join`) // 3
    const a = await sendText(owner!, c, 'secret a') // 4
    const b = await sendText(owner!, c, 'secret b') // 5
    expect((await leaver!.api.post(`/groups/${group.id}/leave`)).status).toBe(204) // 6
    expect((await late!.api.post(`/groups/${group.id}/join`)).status).toBe(200) // 7
    const after = await sendText(owner!, c, 'after join') // 8
    const [oldSock, leaverSock, lateSock] = await Promise.all([old, leaver, late].map((u) => TestSocket.open(t.wsUrl, { token: u!.token })))

    expect((await owner!.api.patch(`/conversations/${c}/messages/${a.seq}`, { content: { text: 'edited a' } })).status).toBe(200)
    expect((await owner!.api.delete(`/conversations/${c}/messages/${b.seq}`)).status).toBe(200)
    expect((await owner!.api.patch(`/conversations/${c}/messages/${after.seq}`, { content: { text: 'edited after' } })).status).toBe(200)
    const marker = await sendText(owner!, c, 'marker') // 9

    // an old member gets all three changes, in order
    expect((await oldSock.next('message.updated')).message).toMatchObject({ seq: a.seq, content: { text: 'edited a' } })
    expect((await oldSock.next('message.recalled')).message.seq).toBe(b.seq)
    expect((await oldSock.next('message.updated')).message.seq).toBe(after.seq)
    // the late joiner: only the change to what they may read; events of one conversation arrive in order,
    // so anything about seq 4 or 5 would have come before the marker
    expect((await lateSock.next('message.created')).message.seq).toBe(marker.seq)
    expect(lateSock.all('message.updated').map((f) => f.message.seq)).toEqual([after.seq])
    expect(lateSock.all('message.recalled')).toEqual([])
    expect(JSON.stringify(lateSock.frames)).not.toContain('secret')
    // the former member: nothing after leaving
    await oldSock.next('message.created')
    expect(await leaverSock.settle('message.updated', 100)).toEqual([])
    expect(leaverSock.all('message.recalled')).toEqual([])
    expect(leaverSock.all('message.created')).toEqual([])
    for (const s of [oldSock, leaverSock, lateSock]) s.close()
  })
})
