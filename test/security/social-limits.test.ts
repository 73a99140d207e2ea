import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type ApiResponse } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

function expectLimited(answers: ApiResponse[], allowed: number, okStatus: number): void {
  expect(answers.filter((a) => a.status === okStatus)).toHaveLength(allowed)
  const refused = answers.filter((a) => a.status !== okStatus)
  expect(refused).toHaveLength(answers.length - allowed)
  for (const r of refused) {
    expect(r.status).toBe(429)
    expect(r.body.error.code).toBe('rate_limited')
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
  }
}

describe('limits on social actions, under parallel bursts', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { 'rateLimit.friendRequestsPerHour': 3, 'rateLimit.groupsPerHour': 2, 'rateLimit.invitationsPerHour': 2 },
    })
  })
  afterAll(() => t?.close())

  it('should limit friend requests per user', async () => {
    const sender = await createUser(t.url, 'frsender')
    const targets = await Promise.all(Array.from({ length: 10 }, () => createUser(t.url, 'frtarget')))
    const answers = await Promise.all(targets.map((u) => sender.api.post('/friend-requests', { userId: u.id })))
    expectLimited(answers, 3, 201)
    // someone else is not affected
    const other = await createUser(t.url, 'frother')
    expect((await other.api.post('/friend-requests', { userId: targets[0]!.id })).status).toBe(201)
  })

  it('should limit group creation per user', async () => {
    const founder = await createUser(t.url, 'founder')
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => founder.api.post('/groups', { name: `burst ${i}` })))
    expectLimited(answers, 2, 201)
  })

  it('should limit invitations per user', async () => {
    const owner = await createUser(t.url, 'inviter')
    const group = await owner.api.post('/groups', { name: 'invites' })
    expect(group.status).toBe(201)
    const guests = await Promise.all(Array.from({ length: 8 }, () => createUser(t.url, 'guest')))
    const answers = await Promise.all(guests.map((g) => owner.api.post(`/groups/${group.body.group.id}/members`, { userIds: [g.id] })))
    expectLimited(answers, 2, answers.find((a) => a.status < 300)?.status ?? 200)
  })
})
