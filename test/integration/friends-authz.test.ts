import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

/**
 * Every friend and block endpoint tried by people with no right to the thing: a stranger, a
 * blocked user and a removed friend, plus no session at all. Statuses and codes are exact.
 */
describe('friends and blocks: authorization', () => {
  let t: TestApp
  /** owner of everything below */
  let alice: TestUser
  let pendingTo: TestUser
  let stranger: TestUser
  let blocked: TestUser
  let removed: TestUser
  /** alice -> pendingTo, still pending */
  let pendingId: string
  /** blocked -> alice, rejected by the block */
  let blockedRequestId: string
  /** alice -> removed, accepted before the friendship was removed */
  let removedRequestId: string

  const expectError = async (res: Promise<{ status: number; body: any }>, status: number, code: string) => {
    const r = await res
    expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code })
  }

  beforeAll(async () => {
    t = await startTestApp()
    ;[alice, pendingTo, stranger, blocked, removed] = await Promise.all(
      ['az_alice', 'az_pending', 'az_stranger', 'az_blocked', 'az_removed'].map((n) => createUser(t.url, n)),
    )
    pendingId = (await alice.api.post('/friend-requests', { userId: pendingTo.id })).body.request.id
    blockedRequestId = (await blocked.api.post('/friend-requests', { userId: alice.id })).body.request.id
    expect((await alice.api.put(`/blocks/${blocked.id}`)).status).toBe(204)
    removedRequestId = (await alice.api.post('/friend-requests', { userId: removed.id })).body.request.id
    expect((await removed.api.post(`/friend-requests/${removedRequestId}/accept`)).status).toBe(200)
    expect((await alice.api.delete(`/friends/${removed.id}`)).status).toBe(204)
  })
  afterAll(() => t.close())

  it('should give a stranger 404 for every request, friendship and block that is not theirs', async () => {
    const api = stranger.api
    await expectError(api.post(`/friend-requests/${pendingId}/accept`), 404, 'friend_request.not_found')
    await expectError(api.post(`/friend-requests/${pendingId}/reject`), 404, 'friend_request.not_found')
    await expectError(api.delete(`/friend-requests/${pendingId}`), 404, 'friend_request.not_found')
    await expectError(api.patch(`/friends/${alice.id}`, { remark: 'hi' }), 404, 'friend.not_found')
    await expectError(api.delete(`/friends/${alice.id}`), 404, 'friend.not_found')
    await expectError(api.delete(`/blocks/${alice.id}`), 404, 'block.not_found')
    for (const box of ['incoming', 'outgoing']) expect((await api.get(`/friend-requests?box=${box}`)).body.items).toEqual([])
    expect((await api.get('/friends')).body.items).toEqual([])
    expect((await api.get('/blocks')).body.items).toEqual([])
    // the request is still untouched
    expect((await pendingTo.api.get('/friend-requests')).body.items).toMatchObject([{ id: pendingId, status: 'pending' }])
  })

  it('should give each side of a request 404 for the other side’s action', async () => {
    await expectError(alice.api.post(`/friend-requests/${pendingId}/accept`), 404, 'friend_request.not_found')
    await expectError(alice.api.post(`/friend-requests/${pendingId}/reject`), 404, 'friend_request.not_found')
    await expectError(pendingTo.api.delete(`/friend-requests/${pendingId}`), 404, 'friend_request.not_found')
  })

  it('should refuse a blocked user and the blocker with 422 where a rule refuses, and 404 for what is not theirs', async () => {
    const api = blocked.api
    await expectError(api.post('/friend-requests', { userId: alice.id }), 422, 'friend.blocked')
    await expectError(alice.api.post('/friend-requests', { userId: blocked.id }), 422, 'friend.blocked')
    await expectError(alice.api.post(`/friend-requests/${blockedRequestId}/accept`), 422, 'friend.blocked')
    await expectError(alice.api.post(`/friend-requests/${blockedRequestId}/reject`), 409, 'friend_request.already_answered')
    await expectError(api.delete(`/friend-requests/${blockedRequestId}`), 409, 'friend_request.already_answered')
    await expectError(api.post(`/friend-requests/${pendingId}/accept`), 404, 'friend_request.not_found')
    await expectError(api.patch(`/friends/${alice.id}`, { remark: 'x' }), 404, 'friend.not_found')
    await expectError(api.delete(`/friends/${alice.id}`), 404, 'friend.not_found')
    await expectError(api.delete(`/blocks/${alice.id}`), 404, 'block.not_found')
    expect((await api.get(`/users?q=${alice.username}`)).body.items).toEqual([])
    expect((await api.get('/friends')).body.items).toEqual([])
    expect((await api.get('/blocks')).body.items).toEqual([])
  })

  it('should let a blocked user block back, and keep refusing requests until both blocks are lifted', async () => {
    const [x, y] = await Promise.all([createUser(t.url, 'az_x'), createUser(t.url, 'az_y')])
    expect((await x.api.put(`/blocks/${y.id}`)).status).toBe(204)
    expect((await y.api.put(`/blocks/${x.id}`)).status).toBe(204)
    expect((await x.api.delete(`/blocks/${y.id}`)).status).toBe(204)
    await expectError(x.api.post('/friend-requests', { userId: y.id }), 422, 'friend.blocked')
    expect((await y.api.delete(`/blocks/${x.id}`)).status).toBe(204)
    expect((await x.api.post('/friend-requests', { userId: y.id })).status).toBe(201)
  })

  it('should treat a removed friend as a non-friend and let them ask again', async () => {
    const api = removed.api
    await expectError(api.patch(`/friends/${alice.id}`, { remark: 'old pal' }), 404, 'friend.not_found')
    await expectError(api.delete(`/friends/${alice.id}`), 404, 'friend.not_found')
    await expectError(alice.api.patch(`/friends/${removed.id}`, { remark: 'old pal' }), 404, 'friend.not_found')
    await expectError(api.post(`/friend-requests/${removedRequestId}/accept`), 409, 'friend_request.already_answered')
    await expectError(api.post(`/friend-requests/${removedRequestId}/reject`), 409, 'friend_request.already_answered')
    await expectError(alice.api.post(`/friend-requests/${removedRequestId}/accept`), 404, 'friend_request.not_found')
    await expectError(api.delete(`/blocks/${alice.id}`), 404, 'block.not_found')
    expect((await api.get('/friends')).body.items).toEqual([])
    expect((await api.post('/friend-requests', { userId: alice.id })).status).toBe(201)
  })

  it('should answer 401 auth.required on every endpoint without a session', async () => {
    const anon = new ApiClient(t.url)
    const id = alice.id
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/friends'],
      ['PATCH', `/friends/${id}`, { remark: 'x' }],
      ['DELETE', `/friends/${id}`],
      ['POST', '/friend-requests', { userId: id }],
      ['GET', '/friend-requests?box=incoming'],
      ['POST', `/friend-requests/${pendingId}/accept`, {}],
      ['POST', `/friend-requests/${pendingId}/reject`, {}],
      ['DELETE', `/friend-requests/${pendingId}`],
      ['GET', '/blocks'],
      ['PUT', `/blocks/${id}`],
      ['DELETE', `/blocks/${id}`],
    ]
    for (const [method, path, body] of calls) {
      const res = await anon.request(method, path, body)
      expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({
        method,
        path,
        status: 401,
        code: 'auth.required',
      })
    }
  })
})
