import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { befriend, createGroup, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

describe('what people removed from a group keep', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t?.close())

  it('should void an invitation once its inviter is no longer a member', async () => {
    const owner = await createUser(t.url, 'iowner')
    const inviter = await createUser(t.url, 'iinviter')
    const invitee = await createUser(t.url, 'iinvitee')
    await befriend(owner, inviter)
    const gid = (await createGroup(owner, { name: 'voided', memberIds: [inviter.id] })).group.id
    // the invitee is not the inviter's friend: an invitation is filed
    const invited = await inviter.api.post(`/groups/${gid}/members`, { userIds: [invitee.id] })
    expect(invited.body.invited).toHaveLength(1)
    const invitationId = invited.body.invited[0].invitationId
    expect((await invitee.api.get('/me/group-invitations')).body.items.map((i: { id: string }) => i.id)).toEqual([invitationId])
    expect((await owner.api.delete(`/groups/${gid}/members/${inviter.id}`)).status).toBe(204)

    expect((await invitee.api.get('/me/group-invitations')).body.items).toEqual([])
    const accepted = await invitee.api.post(`/me/group-invitations/${invitationId}/accept`)
    expect(accepted.status).toBe(404)
    expect(accepted.body.error.code).toBe('group.invitation_not_found')
    const members = await owner.api.get(`/groups/${gid}/members`)
    expect(members.body.items.map((m: { userId: string }) => m.userId)).not.toContain(invitee.id)
  })

  it('should not show a former member who read messages after they left', async () => {
    const owner = await createUser(t.url, 'rowner')
    const leaver = await createUser(t.url, 'rleaver')
    await befriend(owner, leaver)
    const { group } = await createGroup(owner, { name: 'reads', memberIds: [leaver.id] })
    const conv = group.conversationId
    const m = await sendText(owner, conv, 'before')
    expect((await leaver.api.post(`/groups/${group.id}/leave`)).status).toBe(204)
    const reads = await leaver.api.get(`/conversations/${conv}/messages/${m.seq}/reads`)
    expect(reads.status).toBe(404)
    expect(reads.body.error.code).toBe('group.not_member')
  })
})
