import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, login, STRONG_PASSWORD } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('devices: sign one or all others out', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t.close())

  it('should list my devices and close only the signed-out device socket with session.revoked and 4001', async () => {
    const phone = await createUser(t.url, 'devices')
    const laptop = await login(t.url, phone.username)
    const phoneSock = await TestSocket.open(t.wsUrl, { token: phone.token })
    const laptopSock = await TestSocket.open(t.wsUrl, { token: laptop.token })

    const list = await phone.api.get('/me/sessions')
    expect(list.status).toBe(200)
    expect(list.body.items.map((s: { id: string }) => s.id).sort()).toEqual([phone.sessionId, laptop.sessionId].sort())
    expect(list.body.items.find((s: { current: boolean }) => s.current).id).toBe(phone.sessionId)
    expect(list.body.items[0]).toMatchObject({ ip: '127.0.0.1', userAgent: expect.any(String), createdAt: expect.any(String) })

    expect((await phone.api.delete(`/me/sessions/${laptop.sessionId}`)).status).toBe(204)
    expect((await laptopSock.next('session.revoked')).reason).toBe('signed_out_by_user')
    expect((await laptopSock.closed).code).toBe(4001)
    expect(await phoneSock.settle('session.revoked', 300)).toHaveLength(0)
    expect(phoneSock.ws.readyState).toBe(WebSocket.OPEN)
    expect((await laptop.api.get('/me')).status).toBe(401)
    expect((await phone.api.get('/me')).status).toBe(200)
    phoneSock.close()
  })

  it("should answer 404 for someone else's session and leave it alone", async () => {
    const me = await createUser(t.url, 'mine')
    const other = await createUser(t.url, 'theirs')
    const res = await me.api.delete(`/me/sessions/${other.sessionId}`)
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('session.not_found')
    expect((await other.api.get('/me')).status).toBe(200)
  })

  it('should sign every other device out with others=true and keep the current one', async () => {
    const a = await createUser(t.url, 'many')
    const b = await login(t.url, a.username)
    const c = await login(t.url, a.username)
    const sockA = await TestSocket.open(t.wsUrl, { token: a.token })
    const sockB = await TestSocket.open(t.wsUrl, { token: b.token })
    const sockC = await TestSocket.open(t.wsUrl, { token: c.token })
    const res = await a.api.delete('/me/sessions?others=true')
    expect(res.status).toBe(200)
    expect(res.body.revoked).toBe(2)
    expect((await sockB.closed).code).toBe(4001)
    expect((await sockC.closed).code).toBe(4001)
    expect(sockB.all('session.revoked')).toHaveLength(1)
    expect(await sockA.settle('session.revoked', 300)).toHaveLength(0)
    expect(sockA.ws.readyState).toBe(WebSocket.OPEN)
    expect((await a.api.get('/me/sessions')).body.items.map((s: { id: string }) => s.id)).toEqual([a.sessionId])
    sockA.close()
  })
})

describe('DELETE /me', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t.close())

  it('should refuse a wrong password with 422 auth.wrong_password and change nothing', async () => {
    const user = await createUser(t.url, 'keepme')
    const res = await user.api.request('DELETE', '/me', { password: 'not-my-Password-9' })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('auth.wrong_password')
    expect((await user.api.get('/me')).status).toBe(200)
    expect((await user.api.request('DELETE', '/me')).status).toBe(400)
  })

  it('should delete my account: sockets closed with 4001, profile anonymized, username reserved, hooks run', async () => {
    const deletedIds: string[] = []
    t.app.events.on('account.deleted', async ({ userId }) => {
      deletedIds.push(userId)
    })
    const user = await createUser(t.url, 'leaving', { email: 'leaving@example.com', nickname: 'Leaving Lu' })
    await user.api.patch('/me', { bio: 'bye' })
    const second = await login(t.url, user.username)
    const sock1 = await TestSocket.open(t.wsUrl, { token: user.token })
    const sock2 = await TestSocket.open(t.wsUrl, { token: second.token })
    const friend = await createUser(t.url, 'watcher')

    const res = await user.api.request('DELETE', '/me', { password: STRONG_PASSWORD })
    expect(res.status).toBe(204)
    for (const sock of [sock1, sock2]) {
      expect((await sock.next('session.revoked')).reason).toBe('account_deleted')
      expect((await sock.closed).code).toBe(4001)
    }
    expect((await user.api.get('/me')).status).toBe(401)
    expect((await second.api.get('/me')).status).toBe(401)
    const relogin = await new ApiClient(t.url).post('/auth/login', { username: user.username, password: STRONG_PASSWORD })
    expect(relogin.status).toBe(401)
    expect(relogin.body.error.code).toBe('auth.invalid_credentials')

    const profile = await friend.api.get(`/users/${user.id}`)
    expect(profile.body).toMatchObject({ id: user.id, nickname: 'Deleted user', bio: '', avatarFileId: null, deleted: true })
    const row = await t.app.store.users.findById(user.id)
    expect(row).toMatchObject({ state: 'deleted', nickname: '', bio: '', email: null, avatarFileId: null })
    const again = await new ApiClient(t.url).post('/auth/register', { username: user.username, password: STRONG_PASSWORD })
    expect(again.status).toBe(409)
    expect((await friend.api.get(`/users?q=${user.username}`)).body.items).toEqual([])
    expect(deletedIds).toEqual([user.id])
  })

  it('should keep my messages, shown as from a deleted user', async () => {
    const author = await createUser(t.url, 'author')
    const reader = await createUser(t.url, 'reader')
    const world = await author.api.get('/conversations/world')
    expect(world.status).toBe(200)
    const sent = await author.api.post(`/conversations/${world.body.id}/messages`, {
      clientMsgId: 'before-delete-1',
      type: 'text',
      content: { text: 'still here after I go' },
    })
    expect(sent.status).toBe(201)
    expect((await author.api.request('DELETE', '/me', { password: STRONG_PASSWORD })).status).toBe(204)

    await reader.api.get('/conversations/world')
    const history = await reader.api.get(`/conversations/${world.body.id}/messages`)
    expect(history.status, JSON.stringify(history.body)).toBe(200)
    const message = history.body.items.find((m: { id: string }) => m.id === sent.body.message.id)
    expect(message).toMatchObject({ senderId: author.id, content: { text: 'still here after I go' } })
    expect((await reader.api.get(`/users/${author.id}`)).body).toMatchObject({ nickname: 'Deleted user', deleted: true })
  })
})
