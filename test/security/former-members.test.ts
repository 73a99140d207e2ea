import { describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { befriend, createGroup, sendText } from '../helpers/social.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { useTestApp } from '../helpers/suite-fixtures.js'

describe('what people removed from a group keep', () => {
  const suite = useTestApp()

  it('should void an invitation once its inviter is no longer a member', async () => {
    const owner = await createUser(suite.t.url, 'iowner')
    const inviter = await createUser(suite.t.url, 'iinviter')
    const invitee = await createUser(suite.t.url, 'iinvitee')
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
    const owner = await createUser(suite.t.url, 'rowner')
    const leaver = await createUser(suite.t.url, 'rleaver')
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

for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: a former member sees the group as it was when they left`, () => {
    const suite = useTestApp({ dialect })

    it('should keep the name (and avatar) of the moment they left or were removed, and show current members the rename', async () => {
      const owner = await createUser(suite.t.url, 'vowner')
      const leaver = await createUser(suite.t.url, 'vleaver')
      const kicked = await createUser(suite.t.url, 'vkicked')
      await befriend(owner, leaver)
      await befriend(owner, kicked)
      // invite-only: the group has no public card that would show its current name to anyone
      const { group } = await createGroup(owner, { name: 'Before', joinPolicy: 'invite', memberIds: [leaver.id, kicked.id] })
      const { id: gid, conversationId: conv } = group
      expect((await leaver.api.post(`/groups/${gid}/leave`)).status).toBe(204)
      expect((await owner.api.patch(`/groups/${gid}`, { name: 'Middle' })).status).toBe(200)
      expect((await owner.api.delete(`/groups/${gid}/members/${kicked.id}`)).status).toBe(204)
      expect((await owner.api.patch(`/groups/${gid}`, { name: 'After' })).status).toBe(200)

      const nameSeenBy = async (who: typeof owner) => {
        const one = await who.api.get(`/conversations/${conv}`)
        expect(one.status).toBe(200)
        const list = await who.api.get('/conversations?limit=100')
        const listed = list.body.items.find((c: { id: string }) => c.id === conv)
        return { one: one.body.group?.name, listed: listed?.group?.name ?? null }
      }
      expect(await nameSeenBy(owner)).toEqual({ one: 'After', listed: 'After' })
      const leaverSees = await nameSeenBy(leaver)
      expect(leaverSees.one).toBe('Before')
      expect(leaverSees.listed === null || leaverSees.listed === 'Before').toBe(true)
      expect((await nameSeenBy(kicked)).one).toBe('Middle')
      expect(JSON.stringify(await kicked.api.get(`/conversations/${conv}/messages`))).not.toContain('After')
      // back in: the current group again
      const again = await owner.api.post(`/groups/${gid}/members`, { userIds: [leaver.id] })
      expect(again.status).toBe(200)
      expect((await nameSeenBy(leaver)).one).toBe('After')
    })
  })
}
