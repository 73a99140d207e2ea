import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket, type Frame } from '../helpers/ws-client.js'

const path = (conv: string, seq: number, emoji: string) => `/conversations/${conv}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`
const react = (u: TestUser, conv: string, seq: number, emoji: string) => u.api.put(path(conv, seq, emoji))
const unreact = (u: TestUser, conv: string, seq: number, emoji: string) => u.api.delete(path(conv, seq, emoji))

/** Waits for the next `message.reaction` frame about `seq`. */
const reactionFrame = (s: TestSocket, seq: number) =>
  s.take((f) => f.type === 'message.reaction' && f.message.seq === seq, `message.reaction for ${seq}`)

/**
 * Proves nothing about `seq` reached the socket: a message sent after the event arrives first
 * (pushes of one conversation keep their order), then no reaction frame may be there.
 */
async function noReactionBefore(s: TestSocket, sender: TestUser, conv: string): Promise<Frame[]> {
  const marker = await sendText(sender, conv, 'marker')
  await s.take((f) => f.type === 'message.created' && f.message.seq === marker.seq, 'marker')
  return s.all('message.reaction')
}

/** Emoji reactions (issue 18): add/remove, limits, live pushes, modSeq catch-up, recall, authorization, rate limit. */
for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: reactions`, () => {
    let t: TestApp
    let owner: TestUser
    let alice: TestUser
    let bob: TestUser
    let groupId: string
    let conv: string

    beforeAll(async () => {
      t = await startTestApp({
        dialect,
        overrides: { 'messages.maxReactionEmojis': 3, 'messages.maxReactionsPerUser': 2, 'messages.reactPerMinute': 40 },
      })
      owner = await createUser(t.url, 'rowner')
      alice = await createUser(t.url, 'ralice')
      bob = await createUser(t.url, 'rbob')
      await befriend(owner, alice)
      await befriend(owner, bob)
      const g = await owner.api.post('/groups', { name: 'reactions', memberIds: [alice.id, bob.id] })
      groupId = g.body.group.id
      conv = g.body.group.conversationId
    })
    afterAll(() => t.close())

    it('should add and remove a reaction, push it live to every member, and let changedSince catch up', async () => {
      const m = await sendText(alice, conv, 'react to me')
      const ownerSock = await TestSocket.open(t.wsUrl, { token: owner.token })
      const aliceSock = await TestSocket.open(t.wsUrl, { token: alice.token })
      const before = (await owner.api.get(`/conversations/${conv}`)).body.modSeq

      const added = await react(bob, conv, m.seq, '👍')
      expect(added.status).toBe(200)
      expect(added.body.message.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [bob.id] }])
      expect(added.body.message.modSeq).toBeGreaterThan(before)
      for (const s of [ownerSock, aliceSock]) {
        const f = await reactionFrame(s, m.seq)
        expect(f).toMatchObject({ userId: bob.id, emoji: '👍', added: true })
        expect(f.message.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [bob.id] }])
      }
      // idempotent: the same reaction again changes nothing and pushes nothing
      const again = await react(bob, conv, m.seq, '👍')
      expect(again.body.message.modSeq).toBe(added.body.message.modSeq)
      // a text-style heart counts as the emoji heart
      expect((await react(owner, conv, m.seq, '❤')).body.message.reactions).toEqual([
        { emoji: '👍', count: 1, userIds: [bob.id] },
        { emoji: '❤️', count: 1, userIds: [owner.id] },
      ])
      expect((await react(alice, conv, m.seq, '👍')).body.message.reactions[0]).toEqual({
        emoji: '👍',
        count: 2,
        userIds: [bob.id, alice.id],
      })

      const history = await owner.api.get(`/conversations/${conv}/messages?after=${m.seq - 1}&limit=1`)
      expect(history.body.items[0].reactions).toHaveLength(2)
      const changed = await owner.api.get(`/conversations/${conv}/messages?changedSince=${before}`)
      expect(changed.body.items.map((x: { seq: number }) => x.seq)).toEqual([m.seq])
      expect(changed.body.items[0].reactions[0].count).toBe(2)

      const removed = await unreact(bob, conv, m.seq, '👍')
      expect(removed.status).toBe(200)
      expect(removed.body.message.reactions[0]).toEqual({ emoji: '👍', count: 1, userIds: [alice.id] })
      const frames = ownerSock.all('message.reaction').filter((f) => f.message.seq === m.seq)
      await ownerSock.take((f) => f.type === 'message.reaction' && f.added === false, 'removal')
      expect(frames.length).toBeGreaterThanOrEqual(1)
      expect((await unreact(bob, conv, m.seq, '👍')).status).toBe(200)
      await unreact(alice, conv, m.seq, '👍')
      const last = await unreact(owner, conv, m.seq, '❤️')
      expect(last.body.message.reactions).toBeUndefined()
      ownerSock.close()
      aliceSock.close()
    })

    it('should bound reactions per user and per message with clear errors', async () => {
      const m = await sendText(owner, conv, 'limits')
      expect((await react(alice, conv, m.seq, '😀')).status).toBe(200)
      expect((await react(alice, conv, m.seq, '😂')).status).toBe(200)
      const third = await react(alice, conv, m.seq, '🎉')
      expect(third.status).toBe(422)
      expect(third.body.error).toMatchObject({ code: 'reaction.user_limit', details: { max: 2 } })
      expect((await react(bob, conv, m.seq, '🎉')).status).toBe(200)
      const fourth = await react(owner, conv, m.seq, '🔥')
      expect(fourth.status).toBe(422)
      expect(fourth.body.error.code).toBe('reaction.message_limit')
      // an emoji already on the message is still fine
      expect((await react(owner, conv, m.seq, '😀')).body.message.reactions[0].count).toBe(2)
    })

    it('should refuse anything but one emoji, and never a 500 for hostile input', async () => {
      const m = await sendText(owner, conv, 'bad input')
      for (const bad of ['a', '👍👍', "'; DROP TABLE messages;--", '%', '<b>', '\u0000', ' ']) {
        const res = await react(alice, conv, m.seq, bad)
        expect(res.status, bad).toBe(400)
        expect(['reaction.invalid_emoji', 'request.invalid']).toContain(res.body.error.code)
      }
      expect((await react(alice, conv, m.seq, 'x'.repeat(10_000))).status).toBe(400)
      expect((await alice.api.put(`/conversations/${conv}/messages/999999/reactions/${encodeURIComponent('👍')}`)).status).toBe(404)
    })

    it('should list who reacted, paged', async () => {
      const m = await sendText(owner, conv, 'who')
      for (const u of [owner, alice, bob]) await react(u, conv, m.seq, '👀')
      const first = await owner.api.get(`${path(conv, m.seq, '👀')}?limit=2`)
      expect(first.status).toBe(200)
      expect(first.body.userIds).toHaveLength(2)
      const rest = await owner.api.get(`${path(conv, m.seq, '👀')}?limit=2&cursor=${first.body.nextCursor}`)
      expect(rest.body).toEqual({ userIds: [expect.any(String)], nextCursor: null })
      expect([...first.body.userIds, ...rest.body.userIds].sort()).toEqual([owner.id, alice.id, bob.id].sort())
    })

    it('should take the reactions away with a recall, and refuse new ones on a recalled message', async () => {
      const m = await sendText(alice, conv, 'soon gone')
      await react(bob, conv, m.seq, '👍')
      expect((await alice.api.delete(`/conversations/${conv}/messages/${m.seq}`)).status).toBe(200)
      const history = await bob.api.get(`/conversations/${conv}/messages?after=${m.seq - 1}&limit=1`)
      expect(history.body.items[0].recalledAt).not.toBeNull()
      expect(history.body.items[0].reactions).toBeUndefined()
      const res = await react(bob, conv, m.seq, '👍')
      expect(res.status).toBe(422)
      expect(res.body.error.code).toBe('reaction.recalled')
      expect((await bob.api.get(path(conv, m.seq, '👍'))).body.userIds).toEqual([])
    })

    it('should keep reactions from strangers, late joiners, removed members and blocked peers', async () => {
      const old = await sendText(owner, conv, 'before the newcomer')
      const stranger = await createUser(t.url, 'rstranger')
      for (const res of [await react(stranger, conv, old.seq, '👍'), await stranger.api.get(path(conv, old.seq, '👍'))]) {
        expect(res.status).toBe(404)
        expect(res.body.error.code).toBe('conversation.not_found')
      }

      const late = await createUser(t.url, 'rlate')
      await befriend(owner, late)
      expect((await owner.api.post(`/groups/${groupId}/members`, { userIds: [late.id] })).status).toBeLessThan(300)
      const lateSock = await TestSocket.open(t.wsUrl, { token: late.token })
      expect((await react(late, conv, old.seq, '👍')).status).toBe(404)
      expect((await late.api.get(path(conv, old.seq, '👍'))).status).toBe(404)
      // a reaction on a message from before they joined does not reach them
      expect((await react(alice, conv, old.seq, '🙏')).status).toBe(200)
      expect(await noReactionBefore(lateSock, owner, conv)).toEqual([])

      const leaver = await createUser(t.url, 'rleaver')
      await befriend(owner, leaver)
      await owner.api.post(`/groups/${groupId}/members`, { userIds: [leaver.id] })
      const recent = await sendText(owner, conv, 'the leaver saw this')
      const leaverSock = await TestSocket.open(t.wsUrl, { token: leaver.token })
      expect((await owner.api.delete(`/groups/${groupId}/members/${leaver.id}`)).status).toBe(204)
      expect((await react(leaver, conv, recent.seq, '👍')).status).toBe(404)
      expect((await react(alice, conv, recent.seq, '👍')).status).toBe(200)
      await reactionFrame(lateSock, recent.seq)
      expect(leaverSock.all('message.reaction')).toEqual([])

      const x = await createUser(t.url, 'rx')
      const y = await createUser(t.url, 'ry')
      await befriend(x, y)
      const direct = await directConversation(x, y)
      const dm = await sendText(x, direct, 'hi')
      expect((await react(y, direct, dm.seq, '👋')).status).toBe(200)
      expect((await x.api.put(`/blocks/${y.id}`)).status).toBe(204)
      const blocked = await react(y, direct, dm.seq, '😡')
      expect(blocked.status).toBe(422)
      expect(blocked.body.error.code).toBe('message.blocked')
      lateSock.close()
      leaverSock.close()
    })
  })

  describe(`${dialect}: reaction rate limit`, () => {
    let t: TestApp
    beforeAll(async () => {
      t = await startTestApp({ dialect, overrides: { 'messages.reactPerMinute': 5, 'messages.maxReactionsPerUser': 20 } })
    })
    afterAll(() => t.close())

    it('should refuse a parallel burst beyond the per-minute budget with 429', async () => {
      const a = await createUser(t.url, 'burst')
      const b = await createUser(t.url, 'burstpeer')
      await befriend(a, b)
      const direct = await directConversation(a, b)
      const m = await sendText(b, direct, 'burst me')
      const emoji = ['😀', '😁', '😂', '🤣', '😃', '😄', '😅', '😆', '😉', '😊']
      const results = await Promise.all(emoji.map((e) => react(a, direct, m.seq, e)))
      const statuses = results.map((r) => r.status)
      expect(statuses.filter((s) => s === 200)).toHaveLength(5)
      expect(statuses.filter((s) => s === 429)).toHaveLength(5)
      expect(results.find((r) => r.status === 429)!.headers.get('retry-after')).toBeTruthy()
    })
  })
}
