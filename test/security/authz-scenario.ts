import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import type { TestApp } from '../helpers/test-app.js'
import { pdfBytes, upload } from '../helpers/uploads.js'
import { TestSocket } from '../helpers/ws-client.js'

/** The five kinds of caller every route and frame is tried as. */
export const ROLES = ['stranger', 'blocked', 'removed', 'late', 'nonAdmin'] as const
export type Role = (typeof ROLES)[number]

/**
 * One world with something to protect from each role:
 * - `owner` runs group G (join policy `approval`) and has direct chats with `member` and `blocked`;
 * - `stranger` has no relation to anyone;
 * - `blocked` was owner's friend and is now blocked by owner;
 * - `removed` was in G and was removed after `early`; G was renamed and `after` sent since;
 * - `late` joined G after `early` (its history starts later);
 * - `nonAdmin` (`member`) is a plain member of G and no server admin.
 * Pending: an invitation of `other` into G, a friend request other → owner, a join request of `applicant`.
 */
export interface Scenario {
  t: TestApp
  owner: TestUser
  other: TestUser
  applicant: TestUser
  users: Record<Role, TestUser>
  /** each role's spare session (for logout and sign-out routes, so their main socket stays) */
  spare: Record<Role, TestUser>
  sockets: Record<Role | 'owner', TestSocket>
  group: { id: string; conversationId: string; nameWhenRemoved: string; renamed: string }
  direct: string
  blockedDirect: string
  early: { seq: number; text: string; fileId: string; fileName: string }
  after: { seq: number; text: string }
  /** an invite-only group of owner's alone */
  privateGroupId: string
  invitationId: string
  friendRequestId: string
  joinRequestId: string
  /** what each role must never see, in any answer or on any of its sockets */
  secrets: Record<Role, string[]>
}

async function ok<T extends { status: number; body: any }>(what: string, res: Promise<T>, statuses = [200, 201, 202, 204]): Promise<T> {
  const r = await res
  if (!statuses.includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`)
  return r
}

export async function buildScenario(t: TestApp): Promise<Scenario> {
  const tag = Math.random().toString(36).slice(2, 8)
  const [owner, stranger, blocked, removed, late, member, other, applicant] = await Promise.all(
    ['owner', 'stranger', 'blocked', 'removed', 'late', 'member', 'other', 'applicant'].map((n) => createUser(t.url, `z${n}`)),
  )
  const users: Record<Role, TestUser> = { stranger, blocked, removed, late, nonAdmin: member }
  const spare = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await login(t.url, users[r].username)]))) as Record<
    Role,
    TestUser
  >
  // sockets first: they must hear nothing they should not, from here on
  const sockets = Object.fromEntries(
    await Promise.all(
      [...ROLES, 'owner' as const].map(async (r) => [
        r,
        await TestSocket.open(t.wsUrl, { token: (r === 'owner' ? owner : users[r]).token }),
      ]),
    ),
  ) as Record<Role | 'owner', TestSocket>

  for (const friend of [member, late, removed, blocked]) await befriend(owner, friend)
  const blockedDirectText = `blocked-direct-${tag}`
  const blockedDirect = await directConversation(owner, blocked)
  await sendText(owner, blockedDirect, blockedDirectText)
  await ok('block', owner.api.put(`/blocks/${blocked.id}`))
  const directText = `dm-${tag}`
  const direct = await directConversation(owner, member)
  await sendText(owner, direct, directText)

  const nameWhenRemoved = `Group ${tag}`
  const created = await ok(
    'group',
    owner.api.post('/groups', { name: nameWhenRemoved, joinPolicy: 'approval', memberIds: [member.id, removed.id] }),
  )
  const group = created.body.group as { id: string; conversationId: string }
  const fileName = `early-file-${tag}.pdf`
  const file = await upload(t.url, owner, pdfBytes(), { name: fileName, kind: 'file' })
  if (file.status !== 201) throw new Error(`upload: ${file.status}`)
  const fileId = file.body.fileId as string
  await ok(
    'file message',
    owner.api.post(`/conversations/${group.conversationId}/messages`, { clientMsgId: `f-${tag}`, type: 'file', content: { fileId } }),
  )
  const earlyText = `early-${tag}`
  const early = await sendText(owner, group.conversationId, earlyText)
  await ok('add late', owner.api.post(`/groups/${group.id}/members`, { userIds: [late.id] }))
  await ok('remove', owner.api.delete(`/groups/${group.id}/members/${removed.id}`))
  const afterText = `after-${tag}`
  const after = await sendText(owner, group.conversationId, afterText)
  const renamed = `Renamed ${tag}`
  await ok('rename', owner.api.patch(`/groups/${group.id}`, { name: renamed, announcement: `announcement-${tag}` }))

  const privateGroup = await ok('private group', owner.api.post('/groups', { name: `Private ${tag}`, joinPolicy: 'invite' }))
  const invited = await ok('invite', owner.api.post(`/groups/${group.id}/members`, { userIds: [other.id] }))
  const invitationId = invited.body.invited[0].invitationId as string
  const request = await ok('friend request', other.api.post('/friend-requests', { userId: owner.id, greeting: `greeting-${tag}` }))
  const joinText = `join-${tag}`
  const joined = await ok('join request', applicant.api.post(`/groups/${group.id}/join`, { message: joinText }))
  const joinRequestId = joined.body.joinRequest.id as string

  const privateToOthers = [directText, blockedDirectText, `greeting-${tag}`]
  return {
    t,
    owner,
    other,
    applicant,
    users,
    spare,
    sockets,
    group: { ...group, nameWhenRemoved, renamed },
    direct,
    blockedDirect,
    early: { seq: early.seq, text: earlyText, fileId, fileName },
    after: { seq: after.seq, text: afterText },
    privateGroupId: privateGroup.body.group.id,
    invitationId,
    friendRequestId: request.body.request.id,
    joinRequestId,
    secrets: {
      stranger: [...privateToOthers, earlyText, afterText, fileName, `announcement-${tag}`, joinText],
      blocked: [...privateToOthers, earlyText, afterText, fileName, `announcement-${tag}`, joinText].filter((s) => s !== blockedDirectText),
      removed: [...privateToOthers, afterText, renamed, `announcement-${tag}`, joinText],
      late: [...privateToOthers, earlyText, fileName, joinText],
      nonAdmin: [...privateToOthers.filter((s) => s !== directText), joinText],
    },
  }
}
