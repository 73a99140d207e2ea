import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/store/sql/db-schema.js'
import { createUser, login, STRONG_PASSWORD, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'
import { befriend, createGroup, membershipOf, messagesOf, openTestDb } from './groups-fixtures.js'

describe('groups: creation, profile, policies, dissolution', () => {
  let t: TestApp
  let db: Kysely<Database>
  const sockets: TestSocket[] = []
  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'groups.maxMembers': 50 } })
    db = openTestDb(t)
  })
  afterAll(async () => {
    for (const s of sockets) s.close()
    await db.destroy()
    await t.close()
  })

  async function socketOf(user: TestUser): Promise<TestSocket> {
    const s = await TestSocket.open(t.wsUrl, { token: user.token })
    sockets.push(s)
    return s
  }

  /** A second signed-in device of the same user. */
  async function secondDevice(user: TestUser): Promise<TestSocket> {
    const again = await login(t.url, user.username)
    return socketOf(again)
  }

  it('should create a group: creator owner, friends added, others invited, every other id refused with a reason', async () => {
    const owner = await createUser(t.url, 'own')
    const [friend, stranger, disabled, deleted, blocker, blocked] = await Promise.all(
      ['frnd', 'strg', 'disa', 'dele', 'blkr', 'blkd'].map((n) => createUser(t.url, n)),
    )
    await befriend(owner, friend)
    await t.app.store.users.setState(disabled!.id, 'disabled', Date.now())
    await t.app.store.users.setState(deleted!.id, 'deleted', Date.now())
    expect((await blocker!.api.put(`/blocks/${owner.id}`)).status).toBeLessThan(300)
    expect((await owner.api.put(`/blocks/${blocked!.id}`)).status).toBeLessThan(300)
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV'
    const strangerSocket = await socketOf(stranger!)

    const body = await createGroup(owner, {
      name: '  Bücherwurm 📚  ',
      joinPolicy: 'approval',
      memberIds: [friend!.id, stranger!.id, unknown, disabled!.id, deleted!.id, blocker!.id, blocked!.id, owner.id, friend!.id],
    })
    expect(body.group).toMatchObject({
      name: 'Bücherwurm 📚',
      joinPolicy: 'approval',
      memberCount: 2,
      maxMembers: 50,
      ownerId: owner.id,
      myRole: 'owner',
      muteAll: false,
      announcement: '',
    })
    expect(body.group.conversationId).toMatch(/^[0-9A-Z]{26}$/)
    expect(body.added).toEqual([friend!.id])
    expect(body.invited).toEqual([{ userId: stranger!.id, invitationId: expect.any(String) }])
    expect(new Map(body.refused.map((r: any) => [r.userId, r.code]))).toEqual(
      new Map([
        [unknown, 'user.not_found'],
        [disabled!.id, 'user.not_found'],
        [deleted!.id, 'user.not_found'],
        [blocker!.id, 'friend.blocked'],
        [blocked!.id, 'friend.blocked'],
        [owner.id, 'group.already_member'],
      ]),
    )

    const asFriend = await friend!.api.get(`/groups/${body.group.id}`)
    expect(asFriend.body).toMatchObject({ myRole: 'member', conversationId: body.group.conversationId })
    const invitation = await strangerSocket.next('group.invitation')
    expect(invitation.invitation).toMatchObject({
      id: body.invited[0].invitationId,
      inviter: { id: owner.id },
      group: { id: body.group.id },
    })
    const mine = await stranger!.api.get('/me/group-invitations')
    expect(mine.body.items.map((i: any) => i.id)).toEqual([body.invited[0].invitationId])

    const messages = await messagesOf(db, body.group.conversationId)
    expect(messages).toEqual([
      {
        seq: 1,
        type: 'system',
        senderId: null,
        content: { event: 'group_created', actorId: owner.id, name: 'Bücherwurm 📚', memberIds: [owner.id, friend!.id] },
      },
    ])
    expect(await membershipOf(db, body.group.conversationId, owner.id)).toEqual({ role: 'owner', joinSeq: 1, leftSeq: null })
    expect(await membershipOf(db, body.group.conversationId, friend!.id)).toEqual({ role: 'member', joinSeq: 1, leftSeq: null })
  })

  it('should let maxMembers only lower the configured limit, and refuse friends beyond it', async () => {
    const owner = await createUser(t.url, 'lim')
    const raise = await owner.api.post('/groups', { name: 'Big', maxMembers: 51 })
    expect(raise.status).toBe(403)
    expect(raise.body.error.code).toBe('group.limit_raise_forbidden')
    const friends = await Promise.all([1, 2, 3].map((i) => createUser(t.url, 'lf' + i)))
    for (const f of friends) await befriend(owner, f)
    const body = await createGroup(owner, { name: 'Small', maxMembers: 3, memberIds: friends.map((f) => f.id) })
    expect(body.group).toMatchObject({ maxMembers: 3, memberCount: 3 })
    expect(body.added).toEqual(friends.slice(0, 2).map((f) => f.id))
    expect(body.refused).toEqual([{ userId: friends[2]!.id, code: 'group.member_limit' }])
  })

  it.each([
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(65) }, 'name'],
    [{}, 'name'],
    [{ name: 'ok', joinPolicy: 'secret' }, 'joinPolicy'],
    [{ name: 'ok', maxMembers: 1 }, 'maxMembers'],
    [{ name: 'ok', memberIds: ['nope'] }, 'memberIds'],
    [{ name: 'ok', admin: true }, 'admin'],
  ])('should refuse a malformed creation %j with 400 naming the field', async (body, field) => {
    const owner = await createUser(t.url, 'bad')
    const res = await owner.api.post('/groups', body)
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('request.invalid')
    expect(JSON.stringify(res.body.error)).toContain(field)
  })

  it('should show non-members only the public profile, list my groups and search open and approval groups by prefix', async () => {
    const owner = await createUser(t.url, 'srch')
    const other = await createUser(t.url, 'look')
    const tag = 'kx' + owner.id.slice(-6).toLowerCase()
    const open = (await createGroup(owner, { name: `${tag} Open` })).group
    const approval = (await createGroup(owner, { name: `${tag.toUpperCase()} Approval`, joinPolicy: 'approval' })).group
    const hidden = (await createGroup(owner, { name: `${tag} Hidden`, joinPolicy: 'invite' })).group
    await owner.api.patch(`/groups/${open.id}`, { announcement: 'members only' })

    const publicView = await other.api.get(`/groups/${open.id}`)
    expect(publicView.status).toBe(200)
    expect(Object.keys(publicView.body).sort()).toEqual([
      'avatarFileId',
      'createdAt',
      'id',
      'joinPolicy',
      'maxMembers',
      'memberCount',
      'name',
    ])

    const page1 = await other.api.get(`/groups?q=${tag.toUpperCase()}&limit=1`)
    expect(page1.body.items.map((g: any) => g.id)).toEqual([open.id])
    expect(page1.body.items[0]).not.toHaveProperty('conversationId')
    const page2 = await other.api.get(`/groups?q=${tag}&limit=1&cursor=${page1.body.nextCursor}`)
    expect(page2.body.items.map((g: any) => g.id)).toEqual([approval.id])
    expect((await other.api.get(`/groups?q=${tag}&limit=1&cursor=${page2.body.nextCursor}`)).body).toEqual({ items: [], nextCursor: null })
    expect((await other.api.get('/groups?q=')).status).toBe(400)

    const mine = await owner.api.get('/groups')
    expect(mine.body.items.map((g: any) => [g.id, g.myRole])).toEqual([
      [open.id, 'owner'],
      [approval.id, 'owner'],
      [hidden.id, 'owner'],
    ])
    expect((await other.api.get('/groups')).body.items).toEqual([])
  })

  it('should edit the profile with one system message per effective change and tell every member device, not strangers', async () => {
    const owner = await createUser(t.url, 'edit')
    const member = await createUser(t.url, 'edm')
    const stranger = await createUser(t.url, 'eds')
    const { group } = await createGroup(owner)
    await member.api.post(`/groups/${group.id}/join`)
    const [ownerSock, memberA, memberB, strangerSock] = await Promise.all([
      socketOf(owner),
      socketOf(member),
      secondDevice(member),
      socketOf(stranger),
    ])

    const res = await owner.api.patch(`/groups/${group.id}`, {
      name: 'Renamed 🎉',
      announcement: 'Be kind',
      muteAll: true,
      joinPolicy: 'invite',
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name: 'Renamed 🎉', announcement: 'Be kind', muteAll: true, joinPolicy: 'invite', myRole: 'owner' })
    for (const s of [ownerSock, memberA, memberB]) {
      const frame = await s.next('group.updated')
      expect(frame).toMatchObject({ groupId: group.id, actorId: owner.id, group: { name: 'Renamed 🎉', muteAll: true } })
    }
    // the same values again change nothing: no message, no event
    expect((await owner.api.patch(`/groups/${group.id}`, { name: 'Renamed 🎉' })).status).toBe(200)
    expect(await memberA.settle('group.updated', 200)).toHaveLength(1)
    expect(await strangerSock.settle('group.updated', 0)).toHaveLength(0)

    const messages = await messagesOf(db, group.conversationId)
    expect(messages.map((m) => m.content.event)).toEqual(['group_created', 'member_joined', 'group_updated'])
    expect(messages[2]!.content).toEqual({
      event: 'group_updated',
      actorId: owner.id,
      changes: { name: 'Renamed 🎉', announcement: 'Be kind', joinPolicy: 'invite', muteAll: true },
    })
    const context = await t.app.store.groups.memberContext(group.conversationId, member.id)
    expect(context).toMatchObject({ isMember: true, role: 'member', muteAll: true })
  })

  it('should join open groups at once, file one join request for approval groups, and refuse invite-only and full groups', async () => {
    const owner = await createUser(t.url, 'pol')
    const [a, b, c] = await Promise.all(['pa', 'pb', 'pc'].map((n) => createUser(t.url, n)))
    const open = (await createGroup(owner, { maxMembers: 2 })).group
    const joined = await a!.api.post(`/groups/${open.id}/join`)
    expect(joined.status).toBe(200)
    expect(joined.body).toMatchObject({
      group: { id: open.id, memberCount: 2, myRole: 'member' },
      member: { userId: a!.id, role: 'member' },
    })
    const full = await b!.api.post(`/groups/${open.id}/join`)
    expect([full.status, full.body.error.code]).toEqual([422, 'group.member_limit'])

    const approval = (await createGroup(owner, { joinPolicy: 'approval' })).group
    const ownerSock = await socketOf(owner)
    const asked = await b!.api.post(`/groups/${approval.id}/join`, { message: 'hi 👋' })
    expect(asked.status).toBe(202)
    expect(asked.body.joinRequest).toMatchObject({ groupId: approval.id, user: { id: b!.id }, message: 'hi 👋', status: 'pending' })
    const again = await b!.api.post(`/groups/${approval.id}/join`)
    expect(again.status).toBe(202)
    expect(again.body.joinRequest.id).toBe(asked.body.joinRequest.id)
    expect((await ownerSock.next('group.join_request')).request.id).toBe(asked.body.joinRequest.id)
    expect(await ownerSock.settle('group.join_request', 150)).toHaveLength(1)
    expect((await b!.api.get(`/groups/${approval.id}`)).body).not.toHaveProperty('myRole')

    const invite = (await createGroup(owner, { joinPolicy: 'invite' })).group
    const refused = await c!.api.post(`/groups/${invite.id}/join`)
    expect([refused.status, refused.body.error.code]).toEqual([422, 'group.invite_only'])
  })

  it('should approve and reject join requests, telling the requester', async () => {
    const owner = await createUser(t.url, 'apr')
    const [a, b] = await Promise.all(['ra', 'rb'].map((n) => createUser(t.url, n)))
    const { group } = await createGroup(owner, { joinPolicy: 'approval' })
    const ra = (await a!.api.post(`/groups/${group.id}/join`)).body.joinRequest
    const rb = (await b!.api.post(`/groups/${group.id}/join`)).body.joinRequest
    const [aSock, bSock] = await Promise.all([socketOf(a!), socketOf(b!)])
    const listed = await owner.api.get(`/groups/${group.id}/join-requests`)
    expect(listed.body.items.map((r: any) => r.id)).toEqual([ra.id, rb.id])

    const approved = await owner.api.post(`/groups/${group.id}/join-requests/${ra.id}/approve`)
    expect(approved.status).toBe(200)
    expect(approved.body.member).toMatchObject({ userId: a!.id, role: 'member' })
    expect(await aSock.next('group.member_joined')).toMatchObject({
      groupId: group.id,
      userIds: [a!.id],
      via: 'request',
      actorId: owner.id,
    })
    const twice = await owner.api.post(`/groups/${group.id}/join-requests/${ra.id}/approve`)
    expect([twice.status, twice.body.error.code]).toEqual([409, 'group.already_answered'])

    expect((await owner.api.post(`/groups/${group.id}/join-requests/${rb.id}/reject`)).status).toBe(204)
    expect(await bSock.next('group.join_request_updated')).toMatchObject({ groupId: group.id, requestId: rb.id, status: 'rejected' })
    expect((await b!.api.get(`/groups/${group.id}/members`)).status).toBe(404)
    expect((await owner.api.get(`/groups/${group.id}/join-requests`)).body.items).toEqual([])
    const other = (await createGroup(owner)).group
    const wrongGroup = await owner.api.post(`/groups/${other.id}/join-requests/${rb.id}/approve`)
    expect([wrongGroup.status, wrongGroup.body.error.code]).toEqual([404, 'group.join_request_not_found'])
  })

  it('should let exactly as many concurrent joiners in as there are free places', async () => {
    const owner = await createUser(t.url, 'race')
    const first = await createUser(t.url, 'rc')
    await befriend(owner, first)
    const { group } = await createGroup(owner, { maxMembers: 5, memberIds: [first.id] })
    const joiners = await Promise.all(Array.from({ length: 10 }, (_, i) => createUser(t.url, 'rj' + i)))
    const results = await Promise.all(joiners.map((u) => u.api.post(`/groups/${group.id}/join`)))
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 200, 422, 422, 422, 422, 422, 422, 422])
    for (const r of results.filter((x) => x.status === 422)) expect(r.body.error.code).toBe('group.member_limit')
    const after = await owner.api.get(`/groups/${group.id}`)
    expect(after.body.memberCount).toBe(5)
    expect((await owner.api.get(`/groups/${group.id}/members`)).body.items).toHaveLength(5)
    expect((await messagesOf(db, group.conversationId)).map((m) => m.seq)).toEqual([1, 2, 3, 4])
  })

  it('should dissolve: owner only, every membership ended, everyone told, then 404 to everyone', async () => {
    const owner = await createUser(t.url, 'dis')
    const [admin, member, invitee, stranger] = await Promise.all(['da', 'dm', 'di', 'ds'].map((n) => createUser(t.url, n)))
    const { group } = await createGroup(owner, { memberIds: [invitee!.id] })
    await admin!.api.post(`/groups/${group.id}/join`)
    await member!.api.post(`/groups/${group.id}/join`)
    await owner.api.patch(`/groups/${group.id}/members/${admin!.id}`, { role: 'admin' })
    const socks = await Promise.all([socketOf(owner), socketOf(admin!), socketOf(member!), secondDevice(member!)])
    const strangerSock = await socketOf(stranger!)

    expect((await admin!.api.delete(`/groups/${group.id}`)).status).toBe(403)
    expect((await owner.api.delete(`/groups/${group.id}`)).status).toBe(204)
    for (const s of socks) expect(await s.next('group.dissolved')).toMatchObject({ groupId: group.id, actorId: owner.id })
    expect(await strangerSock.settle('group.dissolved', 150)).toHaveLength(0)

    for (const u of [owner, admin!, member!, stranger!]) {
      const res = await u.api.get(`/groups/${group.id}`)
      expect([res.status, res.body.error.code]).toEqual([404, 'group.not_found'])
      expect((await u.api.post(`/groups/${group.id}/join`)).status).toBe(404)
      expect((await u.api.get('/groups')).body.items.map((g: any) => g.id)).not.toContain(group.id)
    }
    expect((await owner.api.delete(`/groups/${group.id}`)).status).toBe(404)
    expect((await invitee!.api.get('/me/group-invitations')).body.items).toEqual([])
    const messages = await messagesOf(db, group.conversationId)
    const last = messages.at(-1)!
    expect(last.content).toEqual({ event: 'group_dissolved', actorId: owner.id, name: 'Group' })
    for (const u of [owner, admin!, member!]) expect((await membershipOf(db, group.conversationId, u.id))!.leftSeq).toBe(last.seq)
  })

  it('should hand a deleted owner’s groups to the oldest admin, else member, else dissolve, and leave the rest', async () => {
    const owner = await createUser(t.url, 'gone')
    const [member, admin, other] = await Promise.all(['hm', 'ha', 'ho'].map((n) => createUser(t.url, n)))
    const withAdmin = (await createGroup(owner)).group
    await member!.api.post(`/groups/${withAdmin.id}/join`)
    await admin!.api.post(`/groups/${withAdmin.id}/join`)
    await owner.api.patch(`/groups/${withAdmin.id}/members/${admin!.id}`, { role: 'admin' })
    const withMember = (await createGroup(owner)).group
    await member!.api.post(`/groups/${withMember.id}/join`)
    const alone = (await createGroup(owner)).group
    const joined = (await createGroup(other!)).group
    await owner.api.post(`/groups/${joined.id}/join`)

    const deleted = await owner.api.request('DELETE', '/me', { password: STRONG_PASSWORD })
    expect(deleted.status).toBe(204)

    expect((await admin!.api.get(`/groups/${withAdmin.id}`)).body).toMatchObject({ ownerId: admin!.id, myRole: 'owner', memberCount: 2 })
    expect((await member!.api.get(`/groups/${withMember.id}`)).body).toMatchObject({ ownerId: member!.id, myRole: 'owner', memberCount: 1 })
    expect((await other!.api.get(`/groups/${alone.id}`)).status).toBe(404)
    expect((await other!.api.get(`/groups/${joined.id}`)).body.memberCount).toBe(1)
    expect(await membershipOf(db, withAdmin.conversationId, owner.id)).toMatchObject({ leftSeq: expect.any(Number) })
  })
})
