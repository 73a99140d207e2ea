import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

/** The world in a user's conversation list, found without ever calling GET /conversations/world. */
async function worldInList(user: TestUser) {
  const res = await user.api.get('/conversations')
  expect(res.status).toBe(200)
  return (res.body.items as Array<{ id: string; kind: string; unreadCount: number; joinSeq: number; lastSeq: number }>).find(
    (c) => c.kind === 'world',
  )
}

for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: every user is a world member from registration`, () => {
    let t: TestApp
    let ana: TestUser
    let bo: TestUser
    beforeAll(async () => {
      t = await startTestApp({ dialect })
      ana = await createUser(t.url, 'ana')
      bo = await createUser(t.url, 'bo')
    })
    afterAll(async () => {
      await t?.close()
    })

    it('should list the world, accept sends to it and push it to members who never asked for it', async () => {
      const world = await worldInList(ana)
      expect(world, 'the world is in the list of a user who never opened it').toBeDefined()
      const socket = await TestSocket.open(t.wsUrl, { token: bo.token })
      const sent = await sendText(ana, world!.id, 'hello world')
      expect(sent.seq).toBeGreaterThan(0)
      const pushed = await socket.next('message.created')
      expect(pushed.message).toMatchObject({ conversationId: world!.id, seq: sent.seq })
      socket.close()
    })

    it('should start a newcomer after the last world message, with no unread badge and the old messages out of range', async () => {
      const world = (await worldInList(ana))!
      await sendText(bo, world.id, 'before the newcomer')
      const lastSeq = (await worldInList(ana))!.lastSeq
      const newcomer = await createUser(t.url, 'cy')
      const seen = (await worldInList(newcomer))!
      expect(seen).toMatchObject({ id: world.id, unreadCount: 0, joinSeq: lastSeq + 1 })
      const history = await newcomer.api.get(`/conversations/${world.id}/messages?limit=50`)
      expect(history.status).toBe(200)
      expect(history.body.items).toEqual([])
      // the next message is theirs to read, and counts as unread
      const next = await sendText(ana, world.id, 'welcome')
      expect((await worldInList(newcomer))!.unreadCount).toBe(1)
      expect(
        (await newcomer.api.get(`/conversations/${world.id}/messages?limit=50`)).body.items.map((m: { seq: number }) => m.seq),
      ).toEqual([next.seq])
      // GET /conversations/world answers the same conversation (and joins nobody twice)
      const direct = await newcomer.api.get('/conversations/world')
      expect(direct.body).toMatchObject({ id: world.id, joinSeq: lastSeq + 1 })
    })
  })
}
