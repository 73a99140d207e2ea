import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

/** Removing a friend with deleteHistory=true&forBoth=true clears the direct history of both sides (issue 18). */
for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: clear history on friend removal for both sides`, () => {
    let t: TestApp
    beforeAll(async () => {
      t = await startTestApp({ dialect })
    })
    afterAll(() => t.close())

    it('should clear both copies and tell both users’ devices, and leave others’ chats alone', async () => {
      const a = await createUser(t.url, 'fha')
      const b = await createUser(t.url, 'fhb')
      const c = await createUser(t.url, 'fhc')
      await befriend(a, b)
      await befriend(b, c)
      const ab = await directConversation(a, b)
      const bc = await directConversation(b, c)
      await sendText(a, ab, 'one')
      await sendText(b, ab, 'two')
      await sendText(b, bc, 'keep me')
      const bOther = await login(t.url, b.username)
      const bSock = await TestSocket.open(t.wsUrl, { token: bOther.token })

      expect((await a.api.delete(`/friends/${b.id}?deleteHistory=true&forBoth=true`)).status).toBe(204)
      for (const u of [a, b]) expect((await u.api.get(`/conversations/${ab}/messages`)).body.items).toEqual([])
      const told = await bSock.take((f) => f.type === 'conversation.updated' && f.conversation.id === ab, 'conversation.updated')
      expect(told.conversation.unreadCount).toBe(0)
      expect(
        (await b.api.get(`/conversations/${bc}/messages`)).body.items.map((m: { content: { text: string } }) => m.content.text),
      ).toEqual(['keep me'])
      // forBoth alone (without deleteHistory) clears nothing
      expect((await b.api.delete(`/friends/${c.id}?forBoth=true`)).status).toBe(204)
      expect((await c.api.get(`/conversations/${bc}/messages`)).body.items).toHaveLength(1)
      expect((await b.api.delete(`/friends/${c.id}?forBoth=maybe`)).status).toBe(400)
      bSock.close()
    })
  })
}
