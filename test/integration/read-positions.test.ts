import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const byUser = (reads: Array<{ userId: string; seq: number }>) => Object.fromEntries(reads.map((r) => [r.userId, r.seq]))

for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: GET /conversations/{id} gives the read positions behind read ticks and "read by N"`, () => {
    let t: TestApp
    let ana: TestUser
    let bo: TestUser
    let cy: TestUser
    beforeAll(async () => {
      t = await startTestApp({ dialect })
      ;[ana, bo, cy] = await Promise.all(['ana', 'bo', 'cy'].map((n) => createUser(t.url, n)))
      await befriend(ana, bo)
      await befriend(ana, cy)
    })
    afterAll(async () => {
      await t?.close()
    })

    it("should show the peer's read position in a direct chat after a reload, and nobody's across a block", async () => {
      const conv = await directConversation(ana, bo)
      for (const text of ['one', 'two', 'three']) await sendText(ana, conv, text)
      expect((await bo.api.post(`/conversations/${conv}/read`, { seq: 2 })).status).toBe(200)
      const mine = await ana.api.get(`/conversations/${conv}`)
      expect(mine.status).toBe(200)
      expect(mine.body.reads).toEqual([{ userId: bo.id, seq: 2 }])
      // sending reads everything before it: the sender's own position moves with each send
      expect((await bo.api.get(`/conversations/${conv}`)).body.reads).toEqual([{ userId: ana.id, seq: 3 }])

      expect((await ana.api.put(`/blocks/${bo.id}`)).status).toBe(204)
      expect((await ana.api.get(`/conversations/${conv}`)).body.reads).toEqual([])
      expect((await bo.api.get(`/conversations/${conv}`)).body.reads).toEqual([])
    })

    it('should give every other member of a group, and nothing for the world or in the conversation list', async () => {
      // (not bo: the test above ended in a block)
      const dee = await createUser(t.url, 'dee')
      await befriend(ana, dee)
      const created = await ana.api.post('/groups', { name: 'readers', memberIds: [dee.id, cy.id] })
      expect(created.status).toBe(201)
      const conv = created.body.group.conversationId as string
      const sent = await sendText(ana, conv, 'hello group')
      expect((await cy.api.post(`/conversations/${conv}/read`, { seq: sent.seq })).status).toBe(200)
      const view = (await ana.api.get(`/conversations/${conv}`)).body
      expect(view.reads).toHaveLength(2)
      expect(byUser(view.reads)[cy.id]).toBe(sent.seq)
      expect(byUser(view.reads)[dee.id]).toBeLessThan(sent.seq)
      expect(byUser(view.reads)[ana.id]).toBeUndefined()

      const world = (await ana.api.get('/conversations/world')).body
      expect((await ana.api.get(`/conversations/${world.id}`)).body).not.toHaveProperty('reads')
      const list = await ana.api.get('/conversations')
      for (const c of list.body.items) expect(c).not.toHaveProperty('reads')
    })
  })
}
