import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type ApiResponse, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { createGroup } from './groups-fixtures.js'

type Role = 'owner' | 'admin' | 'member' | 'non-member' | 'banned' | 'removed'
const ROLES: Role[] = ['owner', 'admin', 'member', 'non-member', 'banned', 'removed']

/** A fresh open group with one user in each role, plus a plain member to act on and a pending join request. */
interface Scene {
  groupId: string
  actor: Record<Role, TestUser>
  target: TestUser
  requester: TestUser
  requestId: string | null
}

interface Action {
  name: string
  /** the group switches to `approval` and `requester` files a join request first */
  needsRequest?: boolean
  run(as: TestUser, s: Scene): Promise<ApiResponse>
  /** expected per role, in ROLES order: a status, or "status code" */
  expect: [string | number, string | number, string | number, string | number, string | number, string | number]
}

const F = '403 group.forbidden'
const R = '403 group.rank'
const N = '404 group.not_member'
const future = () => new Date(Date.now() + 3600_000).toISOString()

const ACTIONS: Action[] = [
  { name: 'read the group', run: (u, s) => u.api.get(`/groups/${s.groupId}`), expect: [200, 200, 200, 200, 200, 200] },
  { name: 'list members', run: (u, s) => u.api.get(`/groups/${s.groupId}/members`), expect: [200, 200, 200, N, N, N] },
  {
    name: 'edit the profile',
    run: (u, s) => u.api.patch(`/groups/${s.groupId}`, { announcement: 'hello' }),
    expect: [200, 200, F, N, N, N],
  },
  { name: 'dissolve', run: (u, s) => u.api.delete(`/groups/${s.groupId}`), expect: [204, F, F, N, N, N] },
  {
    name: 'join',
    run: (u, s) => u.api.post(`/groups/${s.groupId}/join`),
    expect: ['409 group.already_member', '409 group.already_member', '409 group.already_member', 200, '422 group.banned', 200],
  },
  {
    name: 'leave',
    run: (u, s) => u.api.post(`/groups/${s.groupId}/leave`),
    expect: ['422 group.owner_must_transfer', 204, 204, N, N, N],
  },
  {
    name: 'invite someone',
    run: (u, s) => u.api.post(`/groups/${s.groupId}/members`, { userIds: [s.requester.id] }),
    expect: [200, 200, 200, N, N, N],
  },
  {
    name: 'mute a member',
    run: (u, s) => u.api.patch(`/groups/${s.groupId}/members/${s.target.id}`, { mutedUntil: future() }),
    expect: [200, 200, F, N, N, N],
  },
  {
    name: 'mute the admin',
    run: (u, s) => u.api.patch(`/groups/${s.groupId}/members/${s.actor.admin.id}`, { mutedUntil: future() }),
    expect: [200, R, F, N, N, N],
  },
  {
    name: 'mute the owner',
    run: (u, s) => u.api.patch(`/groups/${s.groupId}/members/${s.actor.owner.id}`, { mutedUntil: future() }),
    expect: [R, R, F, N, N, N],
  },
  {
    name: 'make a member admin',
    run: (u, s) => u.api.patch(`/groups/${s.groupId}/members/${s.target.id}`, { role: 'admin' }),
    expect: [200, F, F, N, N, N],
  },
  {
    name: 'demote the owner',
    run: (u, s) => u.api.patch(`/groups/${s.groupId}/members/${s.actor.owner.id}`, { role: 'member' }),
    expect: [F, F, F, N, N, N],
  },
  {
    name: "set a member's nickname",
    run: (u, s) => u.api.patch(`/groups/${s.groupId}/members/${s.target.id}`, { groupNickname: 'Nick' }),
    expect: [200, 200, R, N, N, N],
  },
  {
    name: "set the admin's nickname",
    run: (u, s) => u.api.patch(`/groups/${s.groupId}/members/${s.actor.admin.id}`, { groupNickname: 'Nick' }),
    expect: [200, 200, R, N, N, N],
  },
  {
    name: 'set my own nickname',
    run: (u, s) => u.api.patch(`/groups/${s.groupId}/members/${u.id}`, { groupNickname: 'Me 🦊' }),
    expect: [200, 200, 200, N, N, N],
  },
  { name: 'remove a member', run: (u, s) => u.api.delete(`/groups/${s.groupId}/members/${s.target.id}`), expect: [204, 204, F, N, N, N] },
  {
    name: 'remove the admin',
    run: (u, s) => u.api.delete(`/groups/${s.groupId}/members/${s.actor.admin.id}`),
    expect: [204, R, F, N, N, N],
  },
  {
    name: 'remove the owner',
    run: (u, s) => u.api.delete(`/groups/${s.groupId}/members/${s.actor.owner.id}`),
    expect: [R, R, F, N, N, N],
  },
  {
    name: 'remove and ban a member',
    run: (u, s) => u.api.delete(`/groups/${s.groupId}/members/${s.target.id}?ban=true`),
    expect: [204, 204, F, N, N, N],
  },
  { name: 'list bans', run: (u, s) => u.api.get(`/groups/${s.groupId}/bans`), expect: [200, 200, F, N, N, N] },
  {
    name: 'lift a ban',
    run: (u, s) => u.api.delete(`/groups/${s.groupId}/bans/${s.actor.banned.id}`),
    expect: [204, 204, F, N, N, N],
  },
  {
    name: 'transfer ownership',
    run: (u, s) => u.api.post(`/groups/${s.groupId}/transfer`, { userId: s.target.id }),
    expect: [200, F, F, N, N, N],
  },
  {
    name: 'list join requests',
    needsRequest: true,
    run: (u, s) => u.api.get(`/groups/${s.groupId}/join-requests`),
    expect: [200, 200, F, N, N, N],
  },
  {
    name: 'approve a join request',
    needsRequest: true,
    run: (u, s) => u.api.post(`/groups/${s.groupId}/join-requests/${s.requestId}/approve`),
    expect: [200, 200, F, N, N, N],
  },
  {
    name: 'reject a join request',
    needsRequest: true,
    run: (u, s) => u.api.post(`/groups/${s.groupId}/join-requests/${s.requestId}/reject`),
    expect: [204, 204, F, N, N, N],
  },
]

describe('group permission matrix', () => {
  let t: TestApp
  let users: Record<Role, TestUser>
  let target: TestUser
  let requester: TestUser

  beforeAll(async () => {
    t = await startTestApp()
    const made = await Promise.all([...ROLES, 'target', 'requester'].map((r) => createUser(t.url, r.replace('-', '').slice(0, 6))))
    users = Object.fromEntries(ROLES.map((r, i) => [r, made[i]!])) as Record<Role, TestUser>
    target = made[6]!
    requester = made[7]!
  })
  afterAll(() => t.close())

  async function scene(needsRequest: boolean): Promise<Scene> {
    const { owner, admin, member, banned, removed } = users
    const { group } = await createGroup(owner, { name: 'Matrix' })
    const id = group.id
    for (const u of [admin, member, target, banned, removed]) expect((await u.api.post(`/groups/${id}/join`)).status).toBe(200)
    expect((await owner.api.patch(`/groups/${id}/members/${admin.id}`, { role: 'admin' })).status).toBe(200)
    expect((await owner.api.delete(`/groups/${id}/members/${banned.id}?ban=true`)).status).toBe(204)
    expect((await owner.api.delete(`/groups/${id}/members/${removed.id}`)).status).toBe(204)
    let requestId: string | null = null
    if (needsRequest) {
      expect((await owner.api.patch(`/groups/${id}`, { joinPolicy: 'approval' })).status).toBe(200)
      const asked = await requester.api.post(`/groups/${id}/join`, { message: 'let me in' })
      expect(asked.status).toBe(202)
      requestId = asked.body.joinRequest.id
    }
    return { groupId: id, actor: users, target, requester, requestId }
  }

  const cases = ACTIONS.flatMap((action) => ROLES.map((role, i) => ({ action, role, expected: String(action.expect[i]) })))

  it.each(cases.map((c) => [c.role, c.action.name, c.expected, c] as const))(
    'should answer %s trying to %s with %s',
    async (_role, _name, expected, { action, role }) => {
      const s = await scene(action.needsRequest ?? false)
      const res = await action.run(users[role], s)
      const [status, code] = expected.split(' ')
      expect(`${res.status}`, JSON.stringify(res.body)).toBe(status)
      if (code) expect(res.body.error.code).toBe(code)
    },
  )

  it('should hide an invite-only group from every non-member (404 group.not_found) and refuse joining it', async () => {
    const { owner, member } = users
    const { group } = await createGroup(owner, { name: 'Hidden', joinPolicy: 'invite' })
    for (const u of [member, users['non-member']]) {
      for (const path of [
        `/groups/${group.id}`,
        `/groups/${group.id}/members`,
        `/groups/${group.id}/bans`,
        `/groups/${group.id}/join-requests`,
      ]) {
        const res = await u.api.get(path)
        expect(res.status).toBe(404)
        expect(res.body.error.code).toBe('group.not_found')
      }
      const patched = await u.api.patch(`/groups/${group.id}`, { name: 'Mine now' })
      expect([patched.status, patched.body.error.code]).toEqual([404, 'group.not_found'])
    }
    const join = await member.api.post(`/groups/${group.id}/join`)
    expect([join.status, join.body.error.code]).toEqual([422, 'group.invite_only'])
  })

  it('should answer an unknown group with 404 group.not_found and a malformed id with 400', async () => {
    const unknown = await users.owner.api.get('/groups/01ARZ3NDEKTSV4RRFFQ69G5FAV')
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'group.not_found'])
    const malformed = await users.owner.api.get('/groups/not-an-id')
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'request.invalid'])
  })
})
