import { expect, it } from 'vitest'
import { newId } from '../../src/shared/ids.js'
import type { NewGroup } from '../../src/domain/groups/group-store.js'
import { groupRules } from '../../src/domain/groups/group-rules.js'
import { describeEachStore, type StoreContext } from './store-contract.js'

const T0 = 1_700_000_000_000

function newGroup(ownerId: string, extra: Partial<NewGroup> = {}): NewGroup {
  return {
    id: newId(),
    conversationId: newId(),
    name: 'Group ' + newId().slice(-6),
    avatarFileId: null,
    joinPolicy: 'open',
    maxMembers: 500,
    ownerId,
    memberIds: [],
    inviteeIds: [],
    now: T0,
    ...extra,
  }
}

/** The conversation's messages, seq and content, in seq order. */
async function messagesOf(ctx: StoreContext, conversationId: string) {
  const rows = await ctx.database.db
    .selectFrom('messages')
    .select(['seq', 'type', 'sender_id', 'content'])
    .where('conversation_id', '=', conversationId)
    .orderBy('seq')
    .execute()
  return rows.map((r) => ({ seq: Number(r.seq), type: r.type, senderId: r.sender_id, content: JSON.parse(r.content) }))
}

async function memberRow(ctx: StoreContext, conversationId: string, userId: string) {
  const row = await ctx.database.db
    .selectFrom('conversation_members')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row && { role: row.role, joinSeq: Number(row.join_seq), leftSeq: row.left_seq == null ? null : Number(row.left_seq) }
}

async function counters(ctx: StoreContext, conversationId: string) {
  const row = await ctx.database.db
    .selectFrom('conversations')
    .select(['last_seq', 'membership_version'])
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow()
  return { lastSeq: Number(row.last_seq), membershipVersion: Number(row.membership_version) }
}

describeEachStore('groups', (ctx) => {
  it('should create the group, its conversation, memberships, invitations and the group_created message in one go', async () => {
    const s = ctx().store.groups
    const owner = newId()
    const friend = newId()
    const stranger = newId()
    const { group, invitations, change } = await s.create(
      newGroup(owner, { name: 'Bücher 📚 Club', memberIds: [friend], inviteeIds: [stranger] }),
    )
    expect(group).toMatchObject({ name: 'Bücher 📚 Club', memberCount: 2, ownerId: owner, muteAll: false, joinPolicy: 'open' })
    expect(await s.findById(group.id)).toEqual(group)
    expect(change.messages.map((m) => [m.seq, m.type, m.content.event])).toEqual([[1, 'system', 'group_created']])
    expect(change.memberIds.sort()).toEqual([owner, friend].sort())
    expect(change.membershipVersion).toBe(1)
    expect(invitations.map((i) => [i.inviteeId, i.status])).toEqual([[stranger, 'pending']])
    expect(await memberRow(ctx(), group.conversationId, owner)).toEqual({ role: 'owner', joinSeq: 1, leftSeq: null })
    expect(await memberRow(ctx(), group.conversationId, friend)).toEqual({ role: 'member', joinSeq: 1, leftSeq: null })
    expect(await counters(ctx(), group.conversationId)).toEqual({ lastSeq: 1, membershipVersion: 1 })
  })

  it('should never let concurrent joins exceed the member limit, and keep member_count exact', async () => {
    const s = ctx().store.groups
    const owner = newId()
    // 2 members of 5: 3 free places
    const { group } = await s.create(newGroup(owner, { maxMembers: 5, memberIds: [newId()] }))
    const joiners = Array.from({ length: 10 }, () => newId())
    const results = await Promise.allSettled(
      joiners.map((userId) =>
        s.addMembers({ groupId: group.id, userIds: [userId], actorId: userId, via: 'join', now: T0 + 1, all: true }, groupRules),
      ),
    )
    const ok = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)
    expect(ok).toHaveLength(3)
    expect(refused).toEqual(Array(7).fill('group.member_limit'))
    const after = (await s.findById(group.id))!
    expect(after.memberCount).toBe(5)
    const members = await s.listMembers(group.id, { after: null, limit: 100 })
    expect(members).toHaveLength(5)
    // every join wrote exactly one notice, gapless after the creation message
    const messages = await messagesOf(ctx(), group.conversationId)
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4])
    const joinedIds = messages.slice(1).map((m) => m.content.userId)
    for (const userId of joinedIds)
      expect((await memberRow(ctx(), group.conversationId, userId))!.joinSeq).toBe(joinedIds.indexOf(userId) + 2)
    expect((await counters(ctx(), group.conversationId)).membershipVersion).toBe(4)
  })

  it('should report refusals per id in a bulk add and add the rest', async () => {
    const s = ctx().store.groups
    const owner = newId()
    const banned = newId()
    const { group } = await s.create(newGroup(owner, { maxMembers: 3 }))
    expect(await s.ban(group.id, banned, owner, T0, groupRules)).toBe(true)
    expect(await s.ban(group.id, banned, owner, T0, groupRules)).toBe(false)
    const a = newId()
    const b = newId()
    const c = newId()
    const result = await s.addMembers(
      {
        groupId: group.id,
        userIds: [owner, banned, a, b, c],
        actorId: owner,
        via: 'added',
        now: T0,
        all: false,
      },
      groupRules,
    )
    expect(result.added.map((m) => m.userId)).toEqual([a, b])
    expect(result.refused).toEqual([
      { userId: owner, code: 'group.already_member' },
      { userId: banned, code: 'group.banned' },
      { userId: c, code: 'group.member_limit' },
    ])
    expect(result.change!.messages.map((m) => m.content)).toEqual([{ event: 'members_added', userIds: [a, b], actorId: owner }])
    expect(result.group.memberCount).toBe(3)
  })

  it('should end a membership at its own notice and start a rejoin at a new one', async () => {
    const s = ctx().store.groups
    const owner = newId()
    const user = newId()
    const { group } = await s.create(newGroup(owner))
    await s.addMembers({ groupId: group.id, userIds: [user], actorId: user, via: 'join', now: T0, all: true }, groupRules)
    const left = await s.removeMember({ groupId: group.id, userId: user, actorId: owner, reason: 'removed', now: T0 }, groupRules)
    expect(left.messages[0]!.content).toEqual({ event: 'member_left', userId: user, actorId: owner, reason: 'removed' })
    expect(left.memberIds).toEqual([owner])
    expect(await memberRow(ctx(), group.conversationId, user)).toMatchObject({ joinSeq: 2, leftSeq: 3 })
    await expect(
      s.removeMember({ groupId: group.id, userId: user, actorId: owner, reason: 'removed', now: T0 }, groupRules),
    ).rejects.toMatchObject({
      code: 'group.not_member',
    })
    await expect(
      s.removeMember({ groupId: group.id, userId: owner, actorId: owner, reason: 'left', now: T0 }, groupRules),
    ).rejects.toMatchObject({
      code: 'group.owner_must_transfer',
    })
    await s.addMembers({ groupId: group.id, userIds: [user], actorId: user, via: 'join', now: T0, all: true }, groupRules)
    expect(await memberRow(ctx(), group.conversationId, user)).toMatchObject({ joinSeq: 4, leftSeq: null })
    expect((await s.findById(group.id))!.memberCount).toBe(2)
    expect((await messagesOf(ctx(), group.conversationId)).map((m) => m.seq)).toEqual([1, 2, 3, 4])
  })

  it('should ban on removal, refuse the banned, and lift the ban', async () => {
    const s = ctx().store.groups
    const owner = newId()
    const user = newId()
    const { group } = await s.create(newGroup(owner, { memberIds: [user] }))
    await s.removeMember({ groupId: group.id, userId: user, actorId: owner, reason: 'banned', now: T0 }, groupRules)
    expect((await s.listBans(group.id, { after: null, limit: 10 })).map((b) => [b.userId, b.bannedBy])).toEqual([[user, owner]])
    expect((await s.access(group.id, user))!.banned).toBe(true)
    await expect(
      s.addMembers({ groupId: group.id, userIds: [user], actorId: user, via: 'join', now: T0, all: true }, groupRules),
    ).rejects.toMatchObject({
      code: 'group.banned',
    })
    expect(await s.liftBan(group.id, user)).toBe(true)
    expect(await s.liftBan(group.id, user)).toBe(false)
    expect((await s.access(group.id, user))!.banned).toBe(false)
  })

  it('should dissolve atomically: every membership ends at the notice and the group is gone', async () => {
    const s = ctx().store.groups
    const owner = newId()
    const member = newId()
    const invitee = newId()
    const { group } = await s.create(newGroup(owner, { memberIds: [member], inviteeIds: [invitee] }))
    const dissolved = await s.dissolve(group.id, owner, T0)
    expect(dissolved!.formerMemberIds.sort()).toEqual([owner, member].sort())
    expect(dissolved!.change.messages[0]!.seq).toBe(2)
    expect(await memberRow(ctx(), group.conversationId, owner)).toMatchObject({ leftSeq: 2 })
    expect(await memberRow(ctx(), group.conversationId, member)).toMatchObject({ leftSeq: 2 })
    expect(await s.findById(group.id)).toBeNull()
    expect(await s.listInvitationsFor(invitee, { after: null, limit: 10 })).toEqual([])
    expect(await s.memberContext(group.conversationId, owner)).toBeNull()
    expect(await s.dissolve(group.id, owner, T0)).toBeNull()
  })

  it('should give the send path the member context', async () => {
    const s = ctx().store.groups
    const owner = newId()
    const member = newId()
    const { group } = await s.create(newGroup(owner, { memberIds: [member] }))
    await s.updateProfile(group.id, owner, { muteAll: true }, T0)
    await s.updateMember(group.id, member, { silencedUntil: T0 + 60_000 }, owner, T0, groupRules)
    expect(await s.memberContext(group.conversationId, member)).toEqual({
      groupId: group.id,
      isMember: true,
      role: 'member',
      silencedUntil: T0 + 60_000,
      muteAll: true,
    })
    expect(await s.memberContext(group.conversationId, newId())).toMatchObject({ isMember: false, role: null })
    expect(await s.memberContext(newId(), owner)).toBeNull()
  })

  it('should transfer ownership: the new owner unmuted, the old one admin', async () => {
    const s = ctx().store.groups
    const owner = newId()
    const member = newId()
    const { group } = await s.create(newGroup(owner, { memberIds: [member] }))
    await s.updateMember(group.id, member, { silencedUntil: T0 + 60_000 }, owner, T0, groupRules)
    const { group: after } = await s.transfer(group.id, owner, member, T0, groupRules)
    expect(after.ownerId).toBe(member)
    expect(await s.findMember(group.id, member)).toMatchObject({ role: 'owner', silencedUntil: null })
    expect(await s.findMember(group.id, owner)).toMatchObject({ role: 'admin' })
    await expect(s.transfer(group.id, owner, member, T0, groupRules)).rejects.toMatchObject({ code: 'group.forbidden' })
    expect(await s.successor(group.id, member)).toBe(owner)
  })

  it('should keep one pending invitation and join request per user and group', async () => {
    const s = ctx().store.groups
    const owner = newId()
    const user = newId()
    const { group } = await s.create(newGroup(owner, { joinPolicy: 'approval' }))
    const [first] = await s.createInvitations(group.id, owner, [user], T0)
    const [again] = await s.createInvitations(group.id, owner, [user], T0)
    expect(first!.created).toBe(true)
    expect(again).toEqual({ invitation: first!.invitation, created: false })
    const r1 = await s.createJoinRequest(group.id, user, 'hi', T0)
    const r2 = await s.createJoinRequest(group.id, user, 'hi again', T0)
    expect([r1.created, r2.created]).toEqual([true, false])
    expect(r2.request.id).toBe(r1.request.id)
    // joining closes both
    await s.addMembers(
      {
        groupId: group.id,
        userIds: [user],
        actorId: owner,
        via: 'request',
        joinRequestId: r1.request.id,
        now: T0,
        all: true,
      },
      groupRules,
    )
    expect((await s.findJoinRequest(r1.request.id))!.status).toBe('approved')
    expect((await s.findInvitation(first!.invitation.id))!.status).toBe('cancelled')
    await expect(
      s.addMembers(
        {
          groupId: group.id,
          userIds: [user],
          actorId: owner,
          via: 'request',
          joinRequestId: r1.request.id,
          now: T0,
          all: true,
        },
        groupRules,
      ),
    ).rejects.toMatchObject({ code: 'group.already_answered' })
  })

  it('should search open and approval groups by name prefix, never invite-only ones, treating wildcards as text', async () => {
    const s = ctx().store.groups
    const owner = newId()
    const tag = 'zq' + newId().slice(-5).toLowerCase()
    const open = (await s.create(newGroup(owner, { name: `${tag} Open` }))).group
    const approval = (await s.create(newGroup(owner, { name: `${tag.toUpperCase()} approval`, joinPolicy: 'approval' }))).group
    await s.create(newGroup(owner, { name: `${tag} secret`, joinPolicy: 'invite' }))
    const found = await s.search(tag, { after: null, limit: 10 })
    expect(found.map((g) => g.id)).toEqual([open.id, approval.id])
    expect((await s.search(tag, { after: open.id, limit: 10 })).map((g) => g.id)).toEqual([approval.id])
    expect(await s.search('%', { after: null, limit: 10 })).toEqual([])
  })
})
