import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryBroker } from '../../src/broker/memory-broker.js'
import { FriendService } from '../../src/domain/friends/friend-service.js'
import type { AcceptedRequest, RemovedFriendship } from '../../src/domain/friends/friend.js'
import { DomainEvents } from '../../src/domain/domain-events.js'
import { PresenceService } from '../../src/domain/users/presence-service.js'
import { MemoryPresence } from '../../src/presence/memory-presence.js'
import { ManualClock } from '../../src/shared/clock.js'
import { newId } from '../../src/shared/ids.js'
import { createLogger } from '../../src/shared/logger.js'
import { migrateToLatest, openDatabase } from '../../src/store/sql/database.js'
import { createSqlStore } from '../../src/store/sql/sql-store.js'
import type { Store } from '../../src/domain/store.js'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { dialectAvailable, dialectsUnderTest } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

async function befriend(a: TestUser, b: TestUser): Promise<string> {
  const sent = await a.api.post('/friend-requests', { userId: b.id })
  expect(sent.status).toBe(201)
  const accepted = await b.api.post(`/friend-requests/${sent.body.request.id}/accept`)
  expect(accepted.status).toBe(200)
  return sent.body.request.id
}

/** Counts friendship rows of a pair straight from the database, through a separate connection. */
async function friendshipRows(t: TestApp, a: string, b: string): Promise<number> {
  const o = t.database.overrides
  const database = openDatabase({
    storage: { driver: t.database.dialect, url: o['storage.url'] as string, poolSize: 1 },
    dataDir: o.dataDir as string,
  })
  try {
    const rows = await database.db
      .selectFrom('friendships')
      .select('user_id')
      .where((eb) =>
        eb.or([eb.and([eb('user_id', '=', a), eb('friend_id', '=', b)]), eb.and([eb('user_id', '=', b), eb('friend_id', '=', a)])]),
      )
      .execute()
    return rows.length
  } finally {
    await database.db.destroy()
  }
}

describe('friends and blocks', () => {
  let t: TestApp
  const sockets: TestSocket[] = []
  const open = async (user: TestUser) => {
    const sock = await TestSocket.open(t.wsUrl, { token: user.token })
    sockets.push(sock)
    return sock
  }
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(async () => {
    for (const s of sockets) s.close()
    await t.close()
  })

  describe('requests', () => {
    it('should send a request, tell every device of both people and nobody else, and accept it', async () => {
      const alice = await createUser(t.url, 'alice', { nickname: 'Alice 🦊' })
      const bob = await createUser(t.url, 'bob')
      const bob2 = await login(t.url, bob.username)
      const carol = await createUser(t.url, 'carol')
      const [aliceSock, bobSock1, bobSock2, carolSock] = await Promise.all([open(alice), open(bob), open(bob2), open(carol)])

      const sent = await alice.api.post('/friend-requests', { userId: bob.id, note: 'from the meetup 👋', greeting: 'Hi Bob!' })
      expect(sent.status).toBe(201)
      const request = sent.body.request
      expect(request).toMatchObject({
        fromUserId: alice.id,
        toUserId: bob.id,
        note: 'from the meetup 👋',
        greeting: 'Hi Bob!',
        status: 'pending',
        from: { id: alice.id, nickname: 'Alice 🦊', deleted: false },
        to: { id: bob.id, username: bob.username },
      })
      expect(request.id).toMatch(/^[0-9A-Z]{26}$/)
      expect(new Date(request.createdAt).toISOString()).toBe(request.createdAt)

      for (const sock of [bobSock1, bobSock2, aliceSock]) {
        expect((await sock.next('friend.request')).request).toEqual(request)
      }
      expect(await carolSock.settle('friend.request', 200)).toHaveLength(0)

      const incoming = await bob.api.get('/friend-requests?box=incoming')
      expect(incoming.status).toBe(200)
      expect(incoming.body).toEqual({ items: [request], nextCursor: null })
      expect((await alice.api.get('/friend-requests?box=outgoing')).body.items).toEqual([request])
      expect((await alice.api.get('/friend-requests')).body.items).toEqual([])

      const accepted = await bob.api.post(`/friend-requests/${request.id}/accept`)
      expect(accepted.status).toBe(200)
      expect(accepted.body.request).toMatchObject({ id: request.id, status: 'accepted' })
      for (const sock of [aliceSock, bobSock1, bobSock2]) {
        const update = await sock.next('friend.request_updated')
        expect(update).toMatchObject({ status: 'accepted', request: { id: request.id, status: 'accepted' } })
      }
      expect(await carolSock.settle('friend.request_updated', 200)).toHaveLength(0)

      const aliceFriends = await alice.api.get('/friends')
      expect(aliceFriends.status).toBe(200)
      expect(aliceFriends.body.items).toHaveLength(1)
      expect(aliceFriends.body.items[0]).toMatchObject({
        user: { id: bob.id },
        remark: '',
        presence: { status: 'online', connected: true },
      })
      expect((await bob.api.get('/friends')).body.items.map((f: any) => f.user.id)).toEqual([alice.id])
      expect(await friendshipRows(t, alice.id, bob.id)).toBe(2)

      // answered requests stay listed as recent ones
      expect((await bob.api.get('/friend-requests?box=incoming')).body.items).toMatchObject([{ id: request.id, status: 'accepted' }])
      const again = await bob.api.post(`/friend-requests/${request.id}/accept`)
      expect(again.status).toBe(409)
      expect(again.body.error.code).toBe('friend_request.already_answered')
      const dup = await alice.api.post('/friend-requests', { userId: bob.id })
      expect(dup.status).toBe(409)
      expect(dup.body.error.code).toBe('friend.already_friends')
    })

    it('should refuse a second pending request with 409 friend_request.pending naming the pending one', async () => {
      const a = await createUser(t.url, 'dup_a')
      const b = await createUser(t.url, 'dup_b')
      const first = await a.api.post('/friend-requests', { userId: b.id })
      const second = await a.api.post('/friend-requests', { userId: b.id, note: 'again' })
      expect(second.status).toBe(409)
      expect(second.body.error.code).toBe('friend_request.pending')
      expect(second.body.error.details).toEqual({ requestId: first.body.request.id })
    })

    it('should accept the pending request when the other side sends one back (crossing requests)', async () => {
      const a = await createUser(t.url, 'cross_a')
      const b = await createUser(t.url, 'cross_b')
      const [aSock, bSock] = await Promise.all([open(a), open(b)])
      const first = await a.api.post('/friend-requests', { userId: b.id, greeting: 'hello from a' })
      const crossing = await b.api.post('/friend-requests', { userId: a.id, note: 'me too', greeting: 'hello from b' })
      expect(crossing.status).toBe(200)
      expect(crossing.body.request).toMatchObject({
        id: first.body.request.id,
        fromUserId: a.id,
        status: 'accepted',
        greeting: 'hello from a',
      })
      for (const sock of [aSock, bSock]) {
        expect(await sock.next('friend.request_updated')).toMatchObject({ status: 'accepted', request: { id: first.body.request.id } })
      }
      expect((await a.api.get('/friends')).body.items.map((f: any) => f.user.id)).toEqual([b.id])
      expect((await b.api.get('/friends')).body.items.map((f: any) => f.user.id)).toEqual([a.id])
      expect((await a.api.get('/friend-requests?box=incoming')).body.items).toEqual([])
    })

    it('should refuse requests to myself, unknown, disabled and deleted users', async () => {
      const a = await createUser(t.url, 'ref_a')
      const disabled = await createUser(t.url, 'ref_dis')
      const deleted = await createUser(t.url, 'ref_del')
      await t.app.store.users.setState(disabled.id, 'disabled', Date.now())
      await t.app.store.users.setState(deleted.id, 'deleted', Date.now())
      const self = await a.api.post('/friend-requests', { userId: a.id })
      expect(self.status).toBe(400)
      expect(self.body.error.code).toBe('friend.self')
      for (const userId of [newId(), disabled.id, deleted.id]) {
        const res = await a.api.post('/friend-requests', { userId })
        expect(res.status).toBe(404)
        expect(res.body.error.code).toBe('user.not_found')
      }
    })

    it('should reject a request, tell both sides, and let the sender ask again', async () => {
      const a = await createUser(t.url, 'rej_a')
      const b = await createUser(t.url, 'rej_b')
      const [aSock, bSock] = await Promise.all([open(a), open(b)])
      const sent = await a.api.post('/friend-requests', { userId: b.id })
      const rejected = await b.api.post(`/friend-requests/${sent.body.request.id}/reject`)
      expect(rejected.status).toBe(200)
      expect(rejected.body.request.status).toBe('rejected')
      for (const sock of [aSock, bSock]) {
        expect(await sock.next('friend.request_updated')).toMatchObject({ status: 'rejected', request: { id: sent.body.request.id } })
      }
      const twice = await b.api.post(`/friend-requests/${sent.body.request.id}/reject`)
      expect(twice.status).toBe(409)
      expect(twice.body.error.code).toBe('friend_request.already_answered')
      expect((await b.api.get('/friends')).body.items).toEqual([])
      expect((await a.api.post('/friend-requests', { userId: b.id })).status).toBe(201)
    })

    it('should let the sender withdraw a request, tell the recipient, and refuse answering it afterwards', async () => {
      const a = await createUser(t.url, 'wd_a')
      const b = await createUser(t.url, 'wd_b')
      const bSock = await open(b)
      const sent = await a.api.post('/friend-requests', { userId: b.id })
      const id = sent.body.request.id
      expect((await b.api.delete(`/friend-requests/${id}`)).status).toBe(404)
      const withdrawn = await a.api.delete(`/friend-requests/${id}`)
      expect(withdrawn.status).toBe(204)
      expect(await bSock.next('friend.request_updated')).toMatchObject({ status: 'withdrawn', request: { id, status: 'withdrawn' } })
      const accept = await b.api.post(`/friend-requests/${id}/accept`)
      expect(accept.status).toBe(409)
      expect(accept.body.error.code).toBe('friend_request.already_answered')
      expect((await a.api.delete(`/friend-requests/${id}`)).status).toBe(409)
    })

    it('should page request lists and hide requests from people who were disabled', async () => {
      const me = await createUser(t.url, 'pg_me')
      const senders = await Promise.all([1, 2, 3].map(() => createUser(t.url, 'pg_s')))
      const ids: string[] = []
      for (const s of senders) ids.push((await s.api.post('/friend-requests', { userId: me.id })).body.request.id)
      const page1 = await me.api.get('/friend-requests?box=incoming&limit=2')
      expect(page1.body.items.map((r: any) => r.id)).toEqual([ids[2], ids[1]])
      expect(page1.body.nextCursor).toEqual(expect.any(String))
      const page2 = await me.api.get(`/friend-requests?box=incoming&limit=2&cursor=${page1.body.nextCursor}`)
      expect(page2.body).toEqual({
        items: [expect.objectContaining({ id: ids[0], from: expect.objectContaining({ id: senders[0]!.id }) })],
        nextCursor: null,
      })
      await t.app.store.users.setState(senders[1]!.id, 'disabled', Date.now())
      expect((await me.api.get('/friend-requests?box=incoming')).body.items.map((r: any) => r.id)).toEqual([ids[2], ids[0]])
      const accept = await me.api.post(`/friend-requests/${ids[1]}/accept`)
      expect(accept.status).toBe(404)
      expect(accept.body.error.code).toBe('friend_request.not_found')
    })
  })

  describe('friends', () => {
    it('should set and clear a private remark, and page the friend list', async () => {
      const me = await createUser(t.url, 'rm_me')
      const f1 = await createUser(t.url, 'rm_f1')
      const f2 = await createUser(t.url, 'rm_f2')
      await befriend(me, f1)
      await befriend(f2, me)
      const set = await me.api.patch(`/friends/${f1.id}`, { remark: 'Tennis 🎾 partner' })
      expect(set.status).toBe(200)
      expect(set.body).toMatchObject({ user: { id: f1.id }, remark: 'Tennis 🎾 partner' })
      expect((await f1.api.get('/friends')).body.items[0].remark).toBe('')
      const page1 = await me.api.get('/friends?limit=1')
      expect(page1.body.items).toHaveLength(1)
      const page2 = await me.api.get(`/friends?limit=1&cursor=${page1.body.nextCursor}`)
      expect(page2.body.nextCursor).toBeNull()
      const all = [...page1.body.items, ...page2.body.items]
      expect(all.map((f: any) => f.user.id).sort()).toEqual([f1.id, f2.id].sort())
      expect(all.find((f: any) => f.user.id === f1.id).remark).toBe('Tennis 🎾 partner')
      expect((await me.api.patch(`/friends/${f1.id}`, { remark: '' })).body.remark).toBe('')
      const tooLong = await me.api.patch(`/friends/${f1.id}`, { remark: 'x'.repeat(65) })
      expect(tooLong.status).toBe(400)
      expect(tooLong.body.error.code).toBe('request.invalid')
    })

    it('should hide disabled and deleted friends from the friend list', async () => {
      const me = await createUser(t.url, 'hide_me')
      const f1 = await createUser(t.url, 'hide_f1')
      const f2 = await createUser(t.url, 'hide_f2')
      const f3 = await createUser(t.url, 'hide_f3')
      for (const f of [f1, f2, f3]) await befriend(me, f)
      await t.app.store.users.setState(f2.id, 'disabled', Date.now())
      await t.app.store.users.setState(f3.id, 'deleted', Date.now())
      expect((await me.api.get('/friends')).body.items.map((f: any) => f.user.id)).toEqual([f1.id])
    })

    it('should remove a friend on both sides, tell each side the other id on every device, and nobody else', async () => {
      const a = await createUser(t.url, 'del_a')
      const b = await createUser(t.url, 'del_b')
      const b2 = await login(t.url, b.username)
      const c = await createUser(t.url, 'del_c')
      await befriend(a, b)
      const [aSock, bSock1, bSock2, cSock] = await Promise.all([open(a), open(b), open(b2), open(c)])
      const removed = await a.api.delete(`/friends/${b.id}?deleteHistory=true`)
      expect(removed.status).toBe(204)
      expect((await aSock.next('friend.removed')).userId).toBe(b.id)
      expect((await bSock1.next('friend.removed')).userId).toBe(a.id)
      expect((await bSock2.next('friend.removed')).userId).toBe(a.id)
      expect(await cSock.settle('friend.removed', 200)).toHaveLength(0)
      expect(await aSock.settle('friend.removed', 0)).toHaveLength(1)
      expect((await a.api.get('/friends')).body.items).toEqual([])
      expect((await b.api.get('/friends')).body.items).toEqual([])
      expect(await friendshipRows(t, a.id, b.id)).toBe(0)
      const again = await b.api.delete(`/friends/${a.id}`)
      expect(again.status).toBe(404)
      expect(again.body.error.code).toBe('friend.not_found')
    })
  })

  describe('presence', () => {
    it('should push presence to friends only, and show an invisible friend as offline', async () => {
      const a = await createUser(t.url, 'pr_a')
      const b = await createUser(t.url, 'pr_b')
      const c = await createUser(t.url, 'pr_c')
      await befriend(a, b)
      const [aSock, cSock] = await Promise.all([open(a), open(c)])
      // a's only friend is b, so every presence frame a gets is b's, in order
      const nextOfB = async () => {
        const f = await aSock.next('presence')
        expect(f.userId).toBe(b.id)
        return { status: f.status, connected: f.connected }
      }

      const bSock = await open(b)
      expect(await nextOfB()).toEqual({ status: 'online', connected: true })
      expect((await a.api.get('/friends')).body.items[0].presence).toEqual({ status: 'online', connected: true })

      expect((await b.api.patch('/me', { status: 'busy' })).status).toBe(200)
      expect(await nextOfB()).toEqual({ status: 'busy', connected: true })

      await b.api.patch('/me', { status: 'invisible' })
      expect(await nextOfB()).toEqual({ status: 'offline', connected: false })
      expect((await a.api.get('/friends')).body.items[0].presence).toEqual({ status: 'offline', connected: false })

      await b.api.patch('/me', { status: 'online' })
      expect(await nextOfB()).toEqual({ status: 'online', connected: true })
      bSock.close()
      expect(await nextOfB()).toEqual({ status: 'offline', connected: false })
      expect((await a.api.get('/friends')).body.items[0].presence).toEqual({ status: 'offline', connected: false })

      expect((await cSock.settle('presence', 100)).filter((f) => f.userId === b.id)).toHaveLength(0)
    })
  })

  describe('blocks', () => {
    it('should end the friendship on block, hide both from each other in search, refuse requests both ways until lifted', async () => {
      const a = await createUser(t.url, 'blk_a')
      const b = await createUser(t.url, 'blk_b')
      await befriend(a, b)
      const [aSock, bSock] = await Promise.all([open(a), open(b)])
      expect((await b.api.get(`/users?q=${a.username}`)).body.items.map((u: any) => u.id)).toEqual([a.id])

      expect((await a.api.put(`/blocks/${b.id}`)).status).toBe(204)
      expect((await aSock.next('friend.removed')).userId).toBe(b.id)
      expect((await bSock.next('friend.removed')).userId).toBe(a.id)
      expect((await a.api.get('/friends')).body.items).toEqual([])
      expect((await b.api.get('/friends')).body.items).toEqual([])
      expect((await a.api.put(`/blocks/${b.id}`)).status).toBe(204)
      expect(await aSock.settle('friend.removed', 100)).toHaveLength(1)

      const blocks = await a.api.get('/blocks')
      expect(blocks.status).toBe(200)
      expect(blocks.body).toEqual({
        items: [{ user: expect.objectContaining({ id: b.id }), blockedAt: expect.any(String) }],
        nextCursor: null,
      })
      expect((await b.api.get('/blocks')).body.items).toEqual([])

      expect((await b.api.get(`/users?q=${a.username}`)).body.items).toEqual([])
      expect((await a.api.get(`/users?q=${b.username}`)).body.items).toEqual([])
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const res = await from.api.post('/friend-requests', { userId: to.id })
        expect(res.status).toBe(422)
        expect(res.body.error.code).toBe('friend.blocked')
      }

      expect((await a.api.delete(`/blocks/${b.id}`)).status).toBe(204)
      const notBlocked = await a.api.delete(`/blocks/${b.id}`)
      expect(notBlocked.status).toBe(404)
      expect(notBlocked.body.error.code).toBe('block.not_found')
      // lifting restores nothing, but allows a fresh start
      expect((await a.api.get('/friends')).body.items).toEqual([])
      expect((await b.api.get(`/users?q=${a.username}`)).body.items.map((u: any) => u.id)).toEqual([a.id])
      expect((await b.api.post('/friend-requests', { userId: a.id })).status).toBe(201)
    })

    it('should reject a pending request from the blocked user and withdraw mine, telling both sides', async () => {
      const me = await createUser(t.url, 'blr_me')
      const asker = await createUser(t.url, 'blr_asker')
      const asked = await createUser(t.url, 'blr_asked')
      const [askerSock, askedSock] = await Promise.all([open(asker), open(asked)])
      const incoming = (await asker.api.post('/friend-requests', { userId: me.id })).body.request
      const outgoing = (await me.api.post('/friend-requests', { userId: asked.id })).body.request
      await me.api.put(`/blocks/${asker.id}`)
      await me.api.put(`/blocks/${asked.id}`)
      expect(await askerSock.next('friend.request_updated')).toMatchObject({ status: 'rejected', request: { id: incoming.id } })
      expect(await askedSock.next('friend.request_updated')).toMatchObject({ status: 'withdrawn', request: { id: outgoing.id } })
      expect((await me.api.get('/friend-requests?box=incoming')).body.items).toMatchObject([{ id: incoming.id, status: 'rejected' }])
      expect((await me.api.get('/friend-requests?box=outgoing')).body.items).toMatchObject([{ id: outgoing.id, status: 'withdrawn' }])
      const accept = await me.api.post(`/friend-requests/${incoming.id}/accept`)
      expect(accept.status).toBe(422)
      expect(accept.body.error.code).toBe('friend.blocked')
    })

    it('should refuse to block myself (400) or an unknown user (404)', async () => {
      const a = await createUser(t.url, 'blself')
      const self = await a.api.put(`/blocks/${a.id}`)
      expect(self.status).toBe(400)
      expect(self.body.error.code).toBe('block.self')
      const unknown = await a.api.put(`/blocks/${newId()}`)
      expect(unknown.status).toBe(404)
      expect(unknown.body.error.code).toBe('user.not_found')
    })
  })

  describe('bad input', () => {
    it.each([
      ['POST', '/friend-requests', { userId: 'not-an-id' }],
      ['POST', '/friend-requests', { userId: 42 }],
      ['POST', '/friend-requests', {}],
      ['POST', '/friend-requests', { userId: '01HZZZZZZZZZZZZZZZZZZZZZZZ', extra: true }],
      ['POST', '/friend-requests', { userId: '01HZZZZZZZZZZZZZZZZZZZZZZZ', note: 'n'.repeat(201) }],
      ['POST', '/friend-requests', { userId: '01HZZZZZZZZZZZZZZZZZZZZZZZ', greeting: 'g'.repeat(501) }],
      ['POST', '/friend-requests/not-an-id/accept', {}],
      ['POST', '/friend-requests/not-an-id/reject', {}],
      ['DELETE', '/friend-requests/not-an-id', undefined],
      ['GET', '/friend-requests?box=sideways', undefined],
      ['GET', '/friend-requests?limit=201', undefined],
      ['GET', '/friends?limit=0', undefined],
      ['GET', '/friends?unknown=1', undefined],
      ['PATCH', '/friends/not-an-id', { remark: 'x' }],
      ['PATCH', '/friends/01HZZZZZZZZZZZZZZZZZZZZZZZ', { remark: 'x', color: 'red' }],
      ['PATCH', '/friends/01HZZZZZZZZZZZZZZZZZZZZZZZ', { remark: 7 }],
      ['DELETE', '/friends/not-an-id', undefined],
      ['DELETE', '/friends/01HZZZZZZZZZZZZZZZZZZZZZZZ?deleteHistory=maybe', undefined],
      ['PUT', '/blocks/not-an-id', undefined],
      ['DELETE', '/blocks/not-an-id', undefined],
      ['GET', '/blocks?limit=abc', undefined],
    ])('should answer %s %s %j with 400 request.invalid', async (method, path, body) => {
      const u = await createUser(t.url, 'bad')
      const res = await u.api.request(method, path, body)
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('request.invalid')
    })
  })
})

for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: concurrent answers`, async () => {
    if (!(await dialectAvailable(dialect))) return
    let t: TestApp
    beforeAll(async () => {
      t = await startTestApp({ dialect })
    })
    afterAll(() => t.close())

    it('should let exactly one of two parallel accepts succeed and leave exactly two friendship rows', async () => {
      for (let round = 0; round < 3; round++) {
        const a = await createUser(t.url, 'cc_a')
        const b = await createUser(t.url, 'cc_b')
        const id = (await a.api.post('/friend-requests', { userId: b.id })).body.request.id
        const results = await Promise.all([b.api.post(`/friend-requests/${id}/accept`), b.api.post(`/friend-requests/${id}/accept`)])
        expect(results.map((r) => r.status).sort()).toEqual([200, 409])
        expect(results.find((r) => r.status === 409)!.body.error.code).toBe('friend_request.already_answered')
        expect(await friendshipRows(t, a.id, b.id)).toBe(2)
      }
    })

    it('should leave a consistent state when an accept races a block', async () => {
      for (let round = 0; round < 3; round++) {
        const a = await createUser(t.url, 'cb_a')
        const b = await createUser(t.url, 'cb_b')
        const id = (await a.api.post('/friend-requests', { userId: b.id })).body.request.id
        const [accept, block] = await Promise.all([b.api.post(`/friend-requests/${id}/accept`), a.api.put(`/blocks/${b.id}`)])
        expect(block.status).toBe(204)
        expect([200, 422]).toContain(accept.status)
        expect(await friendshipRows(t, a.id, b.id)).toBe(0)
        expect((await a.api.get('/friends')).body.items).toEqual([])
        expect((await b.api.get('/friends')).body.items).toEqual([])
        const outgoing = (await a.api.get('/friend-requests?box=outgoing')).body.items
        expect(outgoing).toMatchObject([{ id, status: accept.status === 200 ? 'accepted' : 'withdrawn' }])
      }
    })

    it('should keep one pending request when two are sent at once, or accept the crossing one', async () => {
      const a = await createUser(t.url, 'cs_a')
      const b = await createUser(t.url, 'cs_b')
      const same = await Promise.all([a.api.post('/friend-requests', { userId: b.id }), a.api.post('/friend-requests', { userId: b.id })])
      expect(same.map((r) => r.status).sort()).toEqual([201, 409])
      const c = await createUser(t.url, 'cs_c')
      const d = await createUser(t.url, 'cs_d')
      const crossing = await Promise.all([
        c.api.post('/friend-requests', { userId: d.id }),
        d.api.post('/friend-requests', { userId: c.id }),
      ])
      expect(crossing.map((r) => r.status).sort()).toEqual([200, 201])
      expect(await friendshipRows(t, c.id, d.id)).toBe(2)
    })
  })
}

describe('friend service hooks and logs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jim-friends-'))
  const lines: Array<Record<string, unknown>> = []
  let store: Store
  let friends: FriendService
  let events: DomainEvents
  const clock = new ManualClock()
  const userIds: string[] = []

  beforeAll(async () => {
    const database = openDatabase({ storage: { driver: 'sqlite', url: join(dataDir, 'jim.sqlite'), poolSize: 1 }, dataDir })
    await migrateToLatest(database)
    store = createSqlStore(database)
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()))
        done()
      },
    })
    const logger = createLogger('info', sink)
    const broker = new MemoryBroker()
    const presence = new PresenceService({ presence: new MemoryPresence(), broker, store, logger })
    events = new DomainEvents(logger)
    friends = new FriendService({ store, broker, events, presence, clock, logger })
    for (const name of ['hook_a', 'hook_b', 'hook_c']) {
      const id = newId()
      await store.users.create({ id, username: name, nickname: name, passwordHash: 'h', email: null, role: 'user', createdAt: clock.now() })
      userIds.push(id)
    }
  })
  afterAll(async () => {
    await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('should announce friend.accepted and friend.removed after commit, survive a failing handler, and log one line per event', async () => {
    const [a, b, c] = userIds as [string, string, string]
    const accepted: Array<AcceptedRequest & { friendsAtCall: boolean }> = []
    const removed: RemovedFriendship[] = []
    events.on('friend.accepted', async (r) => {
      accepted.push({ ...r, friendsAtCall: await store.friends.areFriends(r.fromUserId, r.toUserId) })
    })
    events.on('friend.removed', async (r) => {
      removed.push(r)
    })

    const sent = await friends.sendRequest(a, { userId: b, greeting: 'Hello 👋' })
    await friends.accept(b, sent.request.request.id)
    expect(accepted).toEqual([{ id: sent.request.request.id, fromUserId: a, toUserId: b, greeting: 'Hello 👋', friendsAtCall: true }])

    await friends.removeFriend(a, b, { deleteHistory: true })
    expect(removed).toEqual([{ userId: a, friendId: b, deleteHistory: true, reason: 'removed' }])

    events.on('friend.accepted', async () => {
      throw new Error('messaging is down')
    })
    const again = await friends.sendRequest(b, { userId: a })
    const acceptedAgain = await friends.accept(a, again.request.request.id)
    expect(acceptedAgain.request.status).toBe('accepted')
    expect(await friends.areFriends(a, b)).toBe(true)

    const toC = await friends.sendRequest(c, { userId: a })
    await friends.reject(a, toC.request.request.id)
    const toC2 = await friends.sendRequest(a, { userId: c })
    await friends.withdraw(a, toC2.request.request.id)

    await friends.block(a, b)
    expect(removed.at(-1)).toEqual({ userId: a, friendId: b, deleteHistory: false, reason: 'blocked' })
    await friends.unblock(a, b)

    const logged = lines.filter((l) => typeof l.event === 'string')
    expect(logged.map((l) => l.event)).toEqual([
      'friend.requested',
      'friend.accepted',
      'friend.removed',
      'friend.requested',
      'friend.accepted',
      'domain_event.handler_failed',
      'friend.requested',
      'friend.rejected',
      'friend.requested',
      'friend.withdrawn',
      'user.blocked',
      'user.unblocked',
    ])
    expect(logged[0]).toMatchObject({ level: 'info', requestId: sent.request.request.id, userId: a, friendId: b })
    expect(logged[1]).toMatchObject({ requestId: sent.request.request.id, userId: b, friendId: a })
    expect(logged[2]).toMatchObject({ userId: a, friendId: b, deleteHistory: true })
    expect(logged[10]).toMatchObject({ userId: a, blockedId: b, endedFriendship: true })
    expect(logged[11]).toMatchObject({ userId: a, blockedId: b })
    expect(lines.some((l) => l.msg === 'a friend.accepted handler failed' && l.event === 'domain_event.handler_failed')).toBe(true)
  })
})
