import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { befriend, directConversation } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket, type Frame } from '../helpers/ws-client.js'

/** Takes `user.updated` frames about `userId` until one shows `nickname` (a burst is coalesced, so one or two). */
async function profileUpdates(socket: TestSocket, userId: string, nickname: string): Promise<Frame[]> {
  const got: Frame[] = []
  for (;;) {
    const frame = await socket.take((f) => f.type === 'user.updated' && f.user.id === userId, `user.updated of ${userId}`, 10_000)
    got.push(frame)
    if (frame.user.nickname === nickname) return got
  }
}

for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: a new nickname or avatar shows live for the people who see it`, () => {
    let t: TestApp
    let ana: TestUser, friend: TestUser, groupmate: TestUser, formerFriend: TestUser, stranger: TestUser
    beforeAll(async () => {
      t = await startTestApp({ dialect })
      ;[ana, friend, groupmate, formerFriend, stranger] = await Promise.all(
        ['ana', 'friend', 'mate', 'former', 'stranger'].map((n) => createUser(t.url, n)),
      )
      await befriend(ana, friend)
      // the groupmate is not ana's friend: they share a group that `friend` runs
      await befriend(friend, groupmate)
      expect((await friend.api.post('/groups', { name: 'shared', memberIds: [ana.id, groupmate.id] })).status).toBe(201)
      // the former friend still shares the direct conversation (it survives an unfriend)
      await befriend(ana, formerFriend)
      await directConversation(ana, formerFriend)
      expect((await ana.api.delete(`/friends/${formerFriend.id}`)).status).toBeLessThan(300)
    })
    afterAll(async () => {
      await t?.close()
    })

    it('should push user.updated with the public profile to friends, direct peers and groupmates online, coalesced, and nothing to a stranger', async () => {
      const sockets = await Promise.all(
        [friend, groupmate, formerFriend, stranger].map((u) => TestSocket.open(t.wsUrl, { token: u.token })),
      )
      const [toFriend, toGroupmate, toFormer, toStranger] = sockets
      // a burst of edits: the last one wins, and each person gets one frame (or two if the burst straddles a flush)
      const edits = await Promise.all([
        ana.api.patch('/me', { nickname: 'Ana One' }),
        ana.api.patch('/me', { bio: 'not shown to others live' }),
      ])
      expect(edits.map((e) => e.status)).toEqual([200, 200])
      expect((await ana.api.patch('/me', { nickname: 'Ana Two' })).status).toBe(200)
      for (const socket of [toFriend!, toGroupmate!, toFormer!]) {
        const frames = await profileUpdates(socket, ana.id, 'Ana Two')
        expect(frames.length).toBeLessThanOrEqual(2)
        const last = frames.at(-1)!
        expect(last.user).toEqual({
          id: ana.id,
          username: ana.username,
          nickname: 'Ana Two',
          bio: 'not shown to others live',
          avatarFileId: null,
          deleted: false,
        })
        // the public view only: nothing of the account (e-mail, role, status) travels to others
        expect(last.user).not.toHaveProperty('email')
      }
      // the others got theirs: a stranger, sharing nothing with ana, got nothing
      expect(toStranger!.all('user.updated')).toEqual([])
      // a bio-only change is not pushed to others (only what shows in chats: nickname, avatar)
      expect((await ana.api.patch('/me', { bio: 'again' })).status).toBe(200)
      expect((await ana.api.patch('/me', { nickname: 'Ana Three' })).status).toBe(200)
      const next = await profileUpdates(toFriend!, ana.id, 'Ana Three')
      expect(next.at(-1)!.user.bio).toBe('again')
      expect(toStranger!.all('user.updated')).toEqual([])
      for (const s of sockets) s.close()
    })
  })
}
