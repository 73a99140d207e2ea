import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/store/sql/db-schema.js'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'
import { befriend, createGroup, membershipOf, messagesOf, openTestDb } from './groups-fixtures.js'

describe('groups: membership, invitations, roles, mutes, bans, events', () => {
  let t: TestApp
  let db: Kysely<Database>
  const sockets: TestSocket[] = []
  beforeAll(async () => {
    t = await startTestApp()
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

  async function secondDevice(user: TestUser): Promise<TestSocket> {
    return socketOf(await login(t.url, user.username))
  }

  const inAnHour = () => new Date(Date.now() + 3600_000).toISOString()

  it('should write system messages in seq order with no gaps, each member seeing [join_seq, left_seq] of their own notices', async () => {
    const owner = await createUser(t.url, 'seq')
    const [a, b] = await Promise.all(['sa', 'sb'].map((n) => createUser(t.url, n)))
    const { group } = await createGroup(owner, { name: 'Seq' })
    const conv = group.conversationId
    await a!.api.post(`/groups/${group.id}/join`) // 2
    await b!.api.post(`/groups/${group.id}/join`) // 3
    expect((await owner.api.delete(`/groups/${group.id}/members/${a!.id}`)).status).toBe(204) // 4
    expect((await b!.api.post(`/groups/${group.id}/leave`)).status).toBe(204) // 5
    expect((await a!.api.post(`/groups/${group.id}/join`)).status).toBe(200) // 6: a rejoin sees history from here only
    await owner.api.patch(`/groups/${group.id}`, { name: 'Seq 2' }) // 7
    await owner.api.patch(`/groups/${group.id}/members/${a!.id}`, { role: 'admin' }) // 8
    await owner.api.post(`/groups/${group.id}/transfer`, { userId: a!.id }) // 9

    const messages = await messagesOf(db, conv)
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(messages.every((m) => m.type === 'system' && m.senderId === null)).toBe(true)
    expect(messages.map((m) => m.content)).toEqual([
      { event: 'group_created', actorId: owner.id, name: 'Seq', memberIds: [owner.id] },
      { event: 'member_joined', userId: a!.id, actorId: a!.id, via: 'join' },
      { event: 'member_joined', userId: b!.id, actorId: b!.id, via: 'join' },
      { event: 'member_left', userId: a!.id, actorId: owner.id, reason: 'removed' },
      { event: 'member_left', userId: b!.id, actorId: b!.id, reason: 'left' },
      { event: 'member_joined', userId: a!.id, actorId: a!.id, via: 'join' },
      { event: 'group_updated', actorId: owner.id, changes: { name: 'Seq 2' } },
      { event: 'member_role_changed', userId: a!.id, role: 'admin', actorId: owner.id },
      { event: 'owner_transferred', fromId: owner.id, toId: a!.id, actorId: owner.id },
    ])
    expect(await membershipOf(db, conv, owner.id)).toEqual({ role: 'admin', joinSeq: 1, leftSeq: null })
    expect(await membershipOf(db, conv, a!.id)).toEqual({ role: 'owner', joinSeq: 6, leftSeq: null })
    expect(await membershipOf(db, conv, b!.id)).toEqual({ role: 'member', joinSeq: 3, leftSeq: 5 })
    const version = await db
      .selectFrom('conversations')
      .select(['last_seq', 'membership_version'])
      .where('id', '=', conv)
      .executeTakeFirstOrThrow()
    expect(Number(version.last_seq)).toBe(9)
    // created, 2 joins, removal, leave, rejoin, role, transfer; the profile edit is no membership change
    expect(Number(version.membership_version)).toBe(8)
  })

  it('should push group.member_joined and the notice to every member device, and nothing to non-members', async () => {
    const owner = await createUser(t.url, 'evj')
    const [member, joiner, stranger] = await Promise.all(['em', 'ej', 'es'].map((n) => createUser(t.url, n)))
    const { group } = await createGroup(owner)
    await member!.api.post(`/groups/${group.id}/join`)
    const memberSocks = [await socketOf(owner), await secondDevice(owner), await socketOf(member!)]
    const joinerSocks = [await socketOf(joiner!), await secondDevice(joiner!)]
    const strangerSock = await socketOf(stranger!)

    expect((await joiner!.api.post(`/groups/${group.id}/join`)).status).toBe(200)
    for (const s of [...memberSocks, ...joinerSocks]) {
      const frame = await s.next('group.member_joined')
      expect(frame).toMatchObject({ groupId: group.id, userIds: [joiner!.id], actorId: joiner!.id, via: 'join', group: { memberCount: 3 } })
      expect(frame.members[0]).toMatchObject({ userId: joiner!.id, role: 'member', user: { id: joiner!.id } })
      const notice = await s.next('message.created')
      expect(notice.message).toMatchObject({
        conversationId: group.conversationId,
        seq: 3,
        type: 'system',
        content: { event: 'member_joined' },
      })
    }
    expect(await strangerSock.settle('group.member_joined', 200)).toHaveLength(0)
    expect(strangerSock.all('message.created')).toHaveLength(0)
  })

  it('should tell members and the removed user (with reason), then nothing more reaches the removed user', async () => {
    const owner = await createUser(t.url, 'evr')
    const [member, victim, stranger] = await Promise.all(['rm', 'rv', 'rs'].map((n) => createUser(t.url, n)))
    const { group } = await createGroup(owner)
    await member!.api.post(`/groups/${group.id}/join`)
    await victim!.api.post(`/groups/${group.id}/join`)
    const [ownerSock, memberSock, victimA, victimB, strangerSock] = await Promise.all([
      socketOf(owner),
      socketOf(member!),
      socketOf(victim!),
      secondDevice(victim!),
      socketOf(stranger!),
    ])

    expect((await owner.api.delete(`/groups/${group.id}/members/${victim!.id}?ban=true`)).status).toBe(204)
    for (const s of [ownerSock, memberSock, victimA, victimB]) {
      expect(await s.next('group.member_left')).toMatchObject({
        groupId: group.id,
        userId: victim!.id,
        reason: 'banned',
        actorId: owner.id,
        memberCount: 2,
      })
    }
    // the removal notice is the last message the removed user gets
    const notice = await victimA.next('message.created')
    expect(notice.message.content).toEqual({ event: 'member_left', userId: victim!.id, actorId: owner.id, reason: 'banned' })
    await owner.api.patch(`/groups/${group.id}`, { announcement: 'after' })
    await memberSock.next('group.updated')
    expect(await victimA.settle('group.updated', 200)).toHaveLength(0)
    expect(victimA.all('message.created')).toHaveLength(1)
    expect(await strangerSock.settle('group.member_left', 0)).toHaveLength(0)

    expect((await member!.api.post(`/groups/${group.id}/leave`)).status).toBe(204)
    expect(await ownerSock.next('group.member_left')).toMatchObject({ userId: member!.id, reason: 'left', actorId: member!.id })
    expect(await memberSock.next('group.member_left')).toMatchObject({ userId: member!.id, reason: 'left' })
  })

  it('should keep banned users out until the ban is lifted, and list bans for owner and admins', async () => {
    const owner = await createUser(t.url, 'ban')
    const [troll, former] = await Promise.all(['bt', 'bf'].map((n) => createUser(t.url, n)))
    const { group } = await createGroup(owner)
    await troll!.api.post(`/groups/${group.id}/join`)
    await former!.api.post(`/groups/${group.id}/join`)
    await former!.api.post(`/groups/${group.id}/leave`)
    expect((await owner.api.delete(`/groups/${group.id}/members/${troll!.id}?ban=true`)).status).toBe(204)
    // a former member can be banned too
    expect((await owner.api.delete(`/groups/${group.id}/members/${former!.id}?ban=true`)).status).toBe(204)
    // removing a non-member without ban is 404
    const notMember = await owner.api.delete(`/groups/${group.id}/members/${former!.id}`)
    expect([notMember.status, notMember.body.error.code]).toEqual([404, 'group.not_member'])

    const bans = await owner.api.get(`/groups/${group.id}/bans`)
    expect(bans.body.items.map((b: any) => b.userId).sort()).toEqual([troll!.id, former!.id].sort())
    expect(bans.body.items[0]).toMatchObject({ bannedBy: owner.id, user: { id: expect.any(String) } })
    for (const u of [troll!, former!]) {
      const res = await u.api.post(`/groups/${group.id}/join`)
      expect([res.status, res.body.error.code]).toEqual([422, 'group.banned'])
    }
    // an invitation to a banned user is refused, even from a friend
    await befriend(owner, troll!)
    const invite = await owner.api.post(`/groups/${group.id}/members`, { userIds: [troll!.id] })
    expect(invite.body).toEqual({ added: [], invited: [], refused: [{ userId: troll!.id, code: 'group.banned' }] })

    expect((await owner.api.delete(`/groups/${group.id}/bans/${troll!.id}`)).status).toBe(204)
    const again = await owner.api.delete(`/groups/${group.id}/bans/${troll!.id}`)
    expect([again.status, again.body.error.code]).toEqual([404, 'group.ban_not_found'])
    expect((await troll!.api.post(`/groups/${group.id}/join`)).status).toBe(200)
  })

  it('should mute and unmute a lower-ranked member as data, with notices and group.member_updated', async () => {
    const owner = await createUser(t.url, 'mut')
    const member = await createUser(t.url, 'mm')
    const { group } = await createGroup(owner)
    await member.api.post(`/groups/${group.id}/join`)
    const memberSock = await socketOf(member)
    const until = inAnHour()

    const muted = await owner.api.patch(`/groups/${group.id}/members/${member.id}`, { mutedUntil: until })
    expect(muted.status).toBe(200)
    expect(muted.body).toMatchObject({ userId: member.id, mutedUntil: until })
    expect(await memberSock.next('group.member_updated')).toMatchObject({
      member: { userId: member.id, mutedUntil: until },
      changes: ['mutedUntil'],
    })
    const listed = await member.api.get(`/groups/${group.id}/members`)
    expect(listed.body.items.find((m: any) => m.userId === member.id).mutedUntil).toBe(until)
    expect(await t.app.store.groups.memberContext(group.conversationId, member.id)).toMatchObject({
      silencedUntil: Date.parse(until),
      role: 'member',
    })
    // leaving and rejoining is no way around a mute
    await member.api.post(`/groups/${group.id}/leave`)
    expect(await t.app.store.groups.memberContext(group.conversationId, member.id)).toMatchObject({ isMember: false, role: null })
    await member.api.post(`/groups/${group.id}/join`)
    expect(await t.app.store.groups.memberContext(group.conversationId, member.id)).toMatchObject({
      isMember: true,
      silencedUntil: Date.parse(until),
    })

    const past = await owner.api.patch(`/groups/${group.id}/members/${member.id}`, {
      mutedUntil: new Date(Date.now() - 1000).toISOString(),
    })
    expect([past.status, past.body.error.code]).toEqual([400, 'request.invalid'])
    const unmuted = await owner.api.patch(`/groups/${group.id}/members/${member.id}`, { mutedUntil: null })
    expect(unmuted.body.mutedUntil).toBeNull()
    const events = (await messagesOf(db, group.conversationId)).map((m) => m.content.event)
    expect(events.slice(-4)).toEqual(['member_muted', 'member_left', 'member_joined', 'member_unmuted'])
    expect((await t.app.store.groups.memberContext(group.conversationId, member.id))!.silencedUntil).toBeNull()
  })

  it('should set nicknames: my own, or by higher rank; empty clears it', async () => {
    const owner = await createUser(t.url, 'nick')
    const [admin, member] = await Promise.all(['na', 'nm'].map((n) => createUser(t.url, n)))
    const { group } = await createGroup(owner)
    await admin!.api.post(`/groups/${group.id}/join`)
    await member!.api.post(`/groups/${group.id}/join`)
    await owner.api.patch(`/groups/${group.id}/members/${admin!.id}`, { role: 'admin' })
    const own = await member!.api.patch(`/groups/${group.id}/members/${member!.id}`, { groupNickname: '  小明 🐼 ' })
    expect(own.body.groupNickname).toBe('小明 🐼')
    expect(
      (await admin!.api.patch(`/groups/${group.id}/members/${member!.id}`, { groupNickname: 'Set by admin' })).body.groupNickname,
    ).toBe('Set by admin')
    const upward = await member!.api.patch(`/groups/${group.id}/members/${admin!.id}`, { groupNickname: 'nope' })
    expect([upward.status, upward.body.error.code]).toEqual([403, 'group.rank'])
    expect((await member!.api.patch(`/groups/${group.id}/members/${member!.id}`, { groupNickname: '' })).body.groupNickname).toBe('')
    // nicknames write no system message
    expect((await messagesOf(db, group.conversationId)).map((m) => m.content.event)).not.toContain('member_nickname')
    expect((await messagesOf(db, group.conversationId)).at(-1)!.content.event).toBe('member_role_changed')
  })

  it('should let an admin act on members but not on admins or the owner, and only the owner change roles', async () => {
    const owner = await createUser(t.url, 'rank')
    const [admin1, admin2, member] = await Promise.all(['r1', 'r2', 'rm'].map((n) => createUser(t.url, n)))
    const { group } = await createGroup(owner)
    for (const u of [admin1!, admin2!, member!]) await u.api.post(`/groups/${group.id}/join`)
    for (const u of [admin1!, admin2!]) {
      const res = await owner.api.patch(`/groups/${group.id}/members/${u.id}`, { role: 'admin' })
      expect(res.body.role).toBe('admin')
    }
    const onAdmin = await admin1!.api.delete(`/groups/${group.id}/members/${admin2!.id}`)
    expect([onAdmin.status, onAdmin.body.error.code]).toEqual([403, 'group.rank'])
    const promote = await admin1!.api.patch(`/groups/${group.id}/members/${member!.id}`, { role: 'admin' })
    expect([promote.status, promote.body.error.code]).toEqual([403, 'group.forbidden'])
    expect((await owner.api.patch(`/groups/${group.id}/members/${admin2!.id}`, { role: 'member' })).body.role).toBe('member')
    // demoted: now an admin may remove them
    expect((await admin1!.api.delete(`/groups/${group.id}/members/${admin2!.id}`)).status).toBe(204)
    expect((await owner.api.get(`/groups/${group.id}`)).body.memberCount).toBe(3)
  })

  it('should transfer ownership to a member only; the old owner becomes admin and may then leave', async () => {
    const owner = await createUser(t.url, 'xfer')
    const [heir, outsider] = await Promise.all(['xh', 'xo'].map((n) => createUser(t.url, n)))
    const { group } = await createGroup(owner)
    await heir!.api.post(`/groups/${group.id}/join`)
    const heirSock = await socketOf(heir!)
    const toOutsider = await owner.api.post(`/groups/${group.id}/transfer`, { userId: outsider!.id })
    expect([toOutsider.status, toOutsider.body.error.code]).toEqual([404, 'group.not_member'])
    const toSelf = await owner.api.post(`/groups/${group.id}/transfer`, { userId: owner.id })
    expect(toSelf.status).toBe(400)

    const res = await owner.api.post(`/groups/${group.id}/transfer`, { userId: heir!.id })
    expect(res.status).toBe(200)
    expect(res.body.group).toMatchObject({ ownerId: heir!.id, myRole: 'admin' })
    expect((await heirSock.next('group.updated')).group.ownerId).toBe(heir!.id)
    const updates = [await heirSock.next('group.member_updated'), await heirSock.next('group.member_updated')]
    expect(updates.map((u) => [u.member.userId, u.member.role]).sort()).toEqual(
      [
        [heir!.id, 'owner'],
        [owner.id, 'admin'],
      ].sort(),
    )
    const heirLeaves = await heir!.api.post(`/groups/${group.id}/leave`)
    expect([heirLeaves.status, heirLeaves.body.error.code]).toEqual([422, 'group.owner_must_transfer'])
    expect((await owner.api.delete(`/groups/${group.id}`)).status).toBe(403)
    expect((await owner.api.post(`/groups/${group.id}/leave`)).status).toBe(204)
    expect((await heir!.api.get(`/groups/${group.id}`)).body).toMatchObject({ memberCount: 1, myRole: 'owner' })
  })

  it('should add the inviter’s friends at once, invite everyone else, and let invitations be accepted or declined', async () => {
    const owner = await createUser(t.url, 'inv')
    const [friend, stranger, other] = await Promise.all(['if', 'is', 'io'].map((n) => createUser(t.url, n)))
    await befriend(owner, friend!)
    const { group } = await createGroup(owner, { joinPolicy: 'invite' })
    const strangerSocks = [await socketOf(stranger!), await secondDevice(stranger!)]

    const res = await owner.api.post(`/groups/${group.id}/members`, { userIds: [friend!.id, stranger!.id, other!.id] })
    expect(res.status).toBe(200)
    expect(res.body.added).toEqual([friend!.id])
    expect(res.body.invited.map((i: any) => i.userId)).toEqual([stranger!.id, other!.id])
    const invitationId = res.body.invited[0].invitationId
    for (const s of strangerSocks)
      expect((await s.next('group.invitation')).invitation).toMatchObject({ id: invitationId, groupId: group.id })
    // inviting again returns the same pending invitation and pushes nothing new
    const again = await owner.api.post(`/groups/${group.id}/members`, { userIds: [stranger!.id, friend!.id] })
    expect(again.body).toEqual({
      added: [],
      invited: [{ userId: stranger!.id, invitationId }],
      refused: [{ userId: friend!.id, code: 'group.already_member' }],
    })
    expect(await strangerSocks[0]!.settle('group.invitation', 150)).toHaveLength(1)

    const foreign = await other!.api.post(`/me/group-invitations/${invitationId}/accept`)
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'group.invitation_not_found'])
    const accepted = await stranger!.api.post(`/me/group-invitations/${invitationId}/accept`)
    expect(accepted.status).toBe(200)
    expect(accepted.body).toMatchObject({ group: { id: group.id, memberCount: 3 }, member: { userId: stranger!.id } })
    const twice = await stranger!.api.post(`/me/group-invitations/${invitationId}/accept`)
    expect([twice.status, twice.body.error.code]).toEqual([409, 'group.already_answered'])
    expect((await messagesOf(db, group.conversationId)).map((m) => m.content)).toContainEqual({
      event: 'member_joined',
      userId: stranger!.id,
      actorId: stranger!.id,
      via: 'invitation',
    })

    const otherInvitation = res.body.invited[1].invitationId
    expect((await other!.api.post(`/me/group-invitations/${otherInvitation}/reject`)).status).toBe(204)
    expect((await other!.api.get('/me/group-invitations')).body.items).toEqual([])
    expect((await other!.api.post(`/me/group-invitations/${otherInvitation}/accept`)).status).toBe(409)
  })

  it('should, in approval groups, add an admin’s friends directly but turn a member’s invitation into a join request', async () => {
    const owner = await createUser(t.url, 'apg')
    const [member, ownersFriend, membersFriend] = await Promise.all(['am', 'af', 'mf'].map((n) => createUser(t.url, n)))
    await befriend(owner, ownersFriend!)
    await befriend(member!, membersFriend!)
    const { group } = await createGroup(owner, { joinPolicy: 'approval' })
    const asked = await member!.api.post(`/groups/${group.id}/join`)
    await owner.api.post(`/groups/${group.id}/join-requests/${asked.body.joinRequest.id}/approve`)

    const byOwner = await owner.api.post(`/groups/${group.id}/members`, { userIds: [ownersFriend!.id] })
    expect(byOwner.body.added).toEqual([ownersFriend!.id])
    const byMember = await member!.api.post(`/groups/${group.id}/members`, { userIds: [membersFriend!.id] })
    expect(byMember.body.added).toEqual([])
    expect(byMember.body.invited.map((i: any) => i.userId)).toEqual([membersFriend!.id])

    const accepted = await membersFriend!.api.post(`/me/group-invitations/${byMember.body.invited[0].invitationId}/accept`)
    expect(accepted.status).toBe(202)
    expect(accepted.body.joinRequest).toMatchObject({ groupId: group.id, user: { id: membersFriend!.id }, status: 'pending' })
    expect((await owner.api.get(`/groups/${group.id}/join-requests`)).body.items.map((r: any) => r.id)).toEqual([
      accepted.body.joinRequest.id,
    ])
    expect((await owner.api.get(`/groups/${group.id}`)).body.memberCount).toBe(3)
  })
})
