import { friendRules } from '../../src/domain/friends/friend-rules.js'
import { expect, it } from 'vitest'
import { newId } from '../../src/shared/ids.js'
import { describeEachStore, type StoreContext } from './store-contract.js'

const T0 = 1_700_000_000_000
let seq = 0

async function users(ctx: StoreContext, n: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const id = newId()
    await ctx.store.users.create({
      id,
      username: `fr_${Date.now().toString(36)}_${++seq}`,
      nickname: 'Friend 🦊',
      passwordHash: 'h',
      email: null,
      role: 'user',
      createdAt: T0,
    })
    ids.push(id)
  }
  return ids
}

function request(from: string, to: string, extra: Partial<{ note: string; greeting: string; createdAt: number }> = {}) {
  return {
    id: newId(),
    fromUserId: from,
    toUserId: to,
    note: extra.note ?? '',
    greeting: extra.greeting ?? '',
    createdAt: extra.createdAt ?? T0,
  }
}

async function friendshipRows(ctx: StoreContext, a: string, b: string): Promise<number> {
  const rows = await ctx.database.db
    .selectFrom('friendships')
    .select('user_id')
    .where((eb) =>
      eb.or([eb.and([eb('user_id', '=', a), eb('friend_id', '=', b)]), eb.and([eb('user_id', '=', b), eb('friend_id', '=', a)])]),
    )
    .execute()
  return rows.length
}

describeEachStore('friends', (ctx) => {
  it('should create one pending request per pair and hand back the pending one to either side', async () => {
    const [a, b] = await users(ctx(), 2)
    const s = ctx().store.friends
    const first = await s.createRequest(request(a!, b!, { note: 'hi 👋', greeting: 'hello there' }), friendRules.newRequest)
    expect(first.created).toBe(true)
    expect(first.request).toMatchObject({
      fromUserId: a,
      toUserId: b,
      note: 'hi 👋',
      greeting: 'hello there',
      status: 'pending',
      createdAt: T0,
    })
    const again = await s.createRequest(request(a!, b!), friendRules.newRequest)
    expect(again).toEqual({ created: false, request: first.request })
    const crossing = await s.createRequest(request(b!, a!), friendRules.newRequest)
    expect(crossing).toEqual({ created: false, request: first.request })
    expect(await s.findRequest(first.request.id)).toEqual(first.request)
  })

  it('should refuse a request to an unknown, disabled or deleted user with user.not_found', async () => {
    const [a, disabled, deleted] = await users(ctx(), 3)
    const s = ctx().store
    await s.users.setState(disabled!, 'disabled', T0)
    await s.users.setState(deleted!, 'deleted', T0)
    for (const to of [newId(), disabled!, deleted!]) {
      await expect(s.friends.createRequest(request(a!, to), friendRules.newRequest)).rejects.toMatchObject({ code: 'user.not_found' })
    }
  })

  it('should refuse a request across a block in either direction with friend.blocked', async () => {
    const [a, b] = await users(ctx(), 2)
    const s = ctx().store.friends
    await s.block(b!, a!, T0, friendRules.block)
    await expect(s.createRequest(request(a!, b!), friendRules.newRequest)).rejects.toMatchObject({ code: 'friend.blocked' })
    await expect(s.createRequest(request(b!, a!), friendRules.newRequest)).rejects.toMatchObject({ code: 'friend.blocked' })
    expect(await s.listRequests({ userId: b!, box: 'incoming', since: 0, afterId: null, limit: 10 })).toEqual([])
  })

  it('should accept: mark the request accepted and create both friendship rows', async () => {
    const [a, b] = await users(ctx(), 2)
    const s = ctx().store.friends
    const { request: r } = await s.createRequest(request(a!, b!), friendRules.newRequest)
    await expect(s.acceptRequest(r.id, a!, T0 + 1, friendRules.accept)).rejects.toMatchObject({ code: 'friend_request.not_found' })
    const accepted = await s.acceptRequest(r.id, b!, T0 + 5, friendRules.accept)
    expect(accepted).toMatchObject({ id: r.id, status: 'accepted', updatedAt: T0 + 5 })
    expect(await friendshipRows(ctx(), a!, b!)).toBe(2)
    expect(await s.areFriends(a!, b!)).toBe(true)
    expect(await s.areFriends(b!, a!)).toBe(true)
    expect(await s.findFriendship(a!, b!)).toEqual({ userId: a, friendId: b, remark: '', createdAt: T0 + 5 })
    await expect(s.acceptRequest(r.id, b!, T0 + 6, friendRules.accept)).rejects.toMatchObject({ code: 'friend_request.already_answered' })
    await expect(s.createRequest(request(a!, b!), friendRules.newRequest)).rejects.toMatchObject({ code: 'friend.already_friends' })
  })

  it('should let exactly one of two concurrent accepts win and leave exactly two friendship rows', async () => {
    const [a, b] = await users(ctx(), 2)
    const s = ctx().store.friends
    const { request: r } = await s.createRequest(request(a!, b!), friendRules.newRequest)
    const results = await Promise.allSettled([
      s.acceptRequest(r.id, b!, T0, friendRules.accept),
      s.acceptRequest(r.id, b!, T0, friendRules.accept),
    ])
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1)
    const failed = results.filter((x) => x.status === 'rejected')
    expect(failed).toHaveLength(1)
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'friend_request.already_answered' })
    expect(await friendshipRows(ctx(), a!, b!)).toBe(2)
  })

  it('should leave a consistent state when an accept races a block', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await users(ctx(), 2)
      const s = ctx().store.friends
      const { request: r } = await s.createRequest(request(a!, b!), friendRules.newRequest)
      const [accept] = await Promise.allSettled([s.acceptRequest(r.id, b!, T0, friendRules.accept), s.block(a!, b!, T0, friendRules.block)])
      if (accept.status === 'rejected') expect(accept.reason).toMatchObject({ code: 'friend.blocked' })
      expect(await friendshipRows(ctx(), a!, b!)).toBe(0)
      expect(await s.isBlockedEitherWay(a!, b!)).toBe(true)
      const after = await s.findRequest(r.id)
      expect(after!.status).toBe(accept.status === 'fulfilled' ? 'accepted' : 'withdrawn')
    }
  })

  it('should refuse to accept across a block with friend.blocked and write nothing', async () => {
    const [a, b] = await users(ctx(), 2)
    const s = ctx().store.friends
    const { request: r } = await s.createRequest(request(a!, b!), friendRules.newRequest)
    await s.block(a!, b!, T0, friendRules.block)
    await expect(s.acceptRequest(r.id, b!, T0, friendRules.accept)).rejects.toMatchObject({ code: 'friend.blocked' })
    expect(await friendshipRows(ctx(), a!, b!)).toBe(0)
  })

  it('should close a pending request once and only once, and free the pair for a new one', async () => {
    const [a, b] = await users(ctx(), 2)
    const s = ctx().store.friends
    const { request: r } = await s.createRequest(request(a!, b!), friendRules.newRequest)
    expect(await s.closeRequest(r.id, 'rejected', T0 + 1)).toMatchObject({ id: r.id, status: 'rejected', updatedAt: T0 + 1 })
    expect(await s.closeRequest(r.id, 'withdrawn', T0 + 2)).toBeNull()
    const next = await s.createRequest(request(a!, b!), friendRules.newRequest)
    expect(next.created).toBe(true)
    expect(next.request.id).not.toBe(r.id)
  })

  it('should list pending and recent requests per box, newest first, paged, hiding inactive people', async () => {
    const [me, x, y, z, gone] = await users(ctx(), 5)
    const s = ctx().store
    const r1 = (await s.friends.createRequest(request(x!, me!, { createdAt: T0 }), friendRules.newRequest)).request
    const r2 = (await s.friends.createRequest(request(y!, me!, { createdAt: T0 }), friendRules.newRequest)).request
    const r3 = (await s.friends.createRequest(request(z!, me!, { createdAt: T0 }), friendRules.newRequest)).request
    await s.friends.createRequest(request(gone!, me!), friendRules.newRequest)
    await s.users.setState(gone!, 'deleted', T0)
    const out = (await s.friends.createRequest(request(me!, x!), friendRules.newRequest)).request
    expect(out.id).toBe(r1.id) // crossing: the pending one comes back
    await s.friends.closeRequest(r2.id, 'rejected', T0 + 1000)
    await s.friends.closeRequest(r3.id, 'rejected', T0 + 10)
    const all = await s.friends.listRequests({ userId: me!, box: 'incoming', since: T0 + 500, afterId: null, limit: 10 })
    expect(all.map((r) => r.id)).toEqual([r2.id, r1.id])
    const page1 = await s.friends.listRequests({ userId: me!, box: 'incoming', since: T0 + 500, afterId: null, limit: 1 })
    const page2 = await s.friends.listRequests({ userId: me!, box: 'incoming', since: T0 + 500, afterId: page1[0]!.id, limit: 1 })
    expect([...page1, ...page2].map((r) => r.id)).toEqual([r2.id, r1.id])
    const outgoing = await s.friends.listRequests({ userId: x!, box: 'outgoing', since: 0, afterId: null, limit: 10 })
    expect(outgoing.map((r) => r.id)).toEqual([r1.id])
    expect(await s.friends.listRequests({ userId: me!, box: 'outgoing', since: 0, afterId: null, limit: 10 })).toEqual([])
  })

  it('should list active friends by id, set remarks (emoji, unchanged, cleared) and remove both rows at once', async () => {
    const [me, f1, f2, f3] = await users(ctx(), 4)
    const s = ctx().store
    for (const f of [f1!, f2!, f3!]) {
      const { request: r } = await s.friends.createRequest(request(me!, f), friendRules.newRequest)
      await s.friends.acceptRequest(r.id, f, T0, friendRules.accept)
    }
    await s.users.setState(f3!, 'disabled', T0)
    const list = await s.friends.listFriends({ userId: me!, afterId: null, limit: 10 })
    expect(list.map((f) => f.friendId)).toEqual([f1, f2].sort())
    const page2 = await s.friends.listFriends({ userId: me!, afterId: list[0]!.friendId, limit: 10 })
    expect(page2.map((f) => f.friendId)).toEqual([list[1]!.friendId])
    expect(await s.friends.setRemark(me!, f1!, 'Bestie 🐙')).toBe(true)
    expect(await s.friends.setRemark(me!, f1!, 'Bestie 🐙')).toBe(true)
    expect((await s.friends.findFriendship(me!, f1!))!.remark).toBe('Bestie 🐙')
    expect((await s.friends.findFriendship(f1!, me!))!.remark).toBe('')
    expect(await s.friends.setRemark(me!, f1!, '')).toBe(true)
    expect((await s.friends.findFriendship(me!, f1!))!.remark).toBe('')
    expect(await s.friends.setRemark(f1!, f2!, 'no')).toBe(false)
    expect((await s.friends.friendIds(me!)).sort()).toEqual([f1, f2, f3].sort())
    expect(await s.friends.removeFriendship(f1!, me!)).toBe(true)
    expect(await friendshipRows(ctx(), me!, f1!)).toBe(0)
    expect(await s.friends.removeFriendship(me!, f1!)).toBe(false)
  })

  it('should block idempotently, end the friendship and close the pending request the right way', async () => {
    const [me, friend, asker, asked] = await users(ctx(), 4)
    const s = ctx().store.friends
    const { request: fr } = await s.createRequest(request(me!, friend!), friendRules.newRequest)
    await s.acceptRequest(fr.id, friend!, T0, friendRules.accept)
    const ended = await s.block(me!, friend!, T0 + 1, friendRules.block)
    expect(ended).toEqual({ created: true, endedFriendship: true, closedRequest: null })
    expect(await friendshipRows(ctx(), me!, friend!)).toBe(0)
    expect(await s.block(me!, friend!, T0 + 2, friendRules.block)).toEqual({ created: false, endedFriendship: false, closedRequest: null })

    const { request: incoming } = await s.createRequest(request(asker!, me!), friendRules.newRequest)
    const rejected = await s.block(me!, asker!, T0 + 3, friendRules.block)
    expect(rejected.closedRequest).toMatchObject({ id: incoming.id, status: 'rejected', updatedAt: T0 + 3 })
    const { request: outgoing } = await s.createRequest(request(me!, asked!), friendRules.newRequest)
    const withdrawn = await s.block(me!, asked!, T0 + 4, friendRules.block)
    expect(withdrawn.closedRequest).toMatchObject({ id: outgoing.id, status: 'withdrawn' })
    expect((await s.findRequest(outgoing.id))!.status).toBe('withdrawn')

    await expect(s.block(me!, newId(), T0, friendRules.block)).rejects.toMatchObject({ code: 'user.not_found' })
    expect((await s.listBlocks({ userId: me!, afterId: null, limit: 10 })).map((b) => b.blockedId)).toEqual(
      [friend!, asker!, asked!].sort(),
    )
    expect((await s.blockedEitherWayIds(friend!)).sort()).toEqual([me])
    expect((await s.blockedEitherWayIds(me!)).sort()).toEqual([friend!, asker!, asked!].sort())
    expect(await s.isBlockedEitherWay(friend!, me!)).toBe(true)
    expect(await s.unblock(me!, friend!)).toBe(true)
    expect(await s.unblock(me!, friend!)).toBe(false)
    expect(await s.isBlockedEitherWay(friend!, me!)).toBe(false)
    expect(await s.areFriends(me!, friend!)).toBe(false)
  })

  it('should hide blocked users who are no longer active from the block list', async () => {
    const [me, b1, b2] = await users(ctx(), 3)
    const s = ctx().store
    await s.friends.block(me!, b1!, T0, friendRules.block)
    await s.friends.block(me!, b2!, T0, friendRules.block)
    await s.users.setState(b2!, 'deleted', T0)
    expect((await s.friends.listBlocks({ userId: me!, afterId: null, limit: 10 })).map((b) => b.blockedId)).toEqual([b1])
  })
})
