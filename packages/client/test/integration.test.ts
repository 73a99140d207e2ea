import { readFileSync } from 'node:fs'
import { JimClient, type Message } from '@jim/client'
import type { ServerFrame } from '@jim/protocol'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { createUser, STRONG_PASSWORD, type TestUser } from '../../../test/helpers/api-client.js'
import { befriend, directConversation, sendText } from '../../../test/helpers/social.js'
import { startTestApp, type TestApp } from '../../../test/helpers/test-app.js'
import { startPingBot } from '../examples/ping-bot.js'

/** Retries an assertion until it holds (pushes and reconnects settle asynchronously). */
const until = (check: () => unknown) => vi.waitFor(check, { timeout: 10_000, interval: 50 })

/** A `ws` WebSocket the test can cut from outside, as a network drop would. */
const opened: WebSocket[] = []
class CuttableSocket extends WebSocket {
  constructor(url: string) {
    super(url)
    opened.push(this)
  }
}

describe('@jim/client against a real JIM server', () => {
  let t: TestApp
  let alice: TestUser
  let bob: TestUser
  let conv: string
  const clients: JimClient[] = []
  const client = () => {
    const c = new JimClient({ baseUrl: t.url, WebSocket: CuttableSocket, backoff: { baseMs: 50, maxMs: 200, factor: 2, jitter: 0 } })
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    t = await startTestApp()
    alice = await createUser(t.url, 'alice')
    bob = await createUser(t.url, 'bob')
    await befriend(alice, bob)
    conv = await directConversation(alice, bob)
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await t.close()
  })

  it('should sign in, connect, send over the socket and receive the limits, and deliver each message once in order', async () => {
    const a = client()
    const b = client()
    await a.login(alice.username, STRONG_PASSWORD)
    await b.useToken(bob.token)
    const got: Message[] = []
    a.on('message', (m) => m.conversationId === conv && got.push(m))
    await a.connect()
    await b.connect()
    expect((await a.limits()).editWindowSeconds).toBeGreaterThan(0)
    const sent = []
    for (let i = 1; i <= 5; i++) sent.push(await b.send(conv, { text: `hello ${i}` }))
    // again with the first key: the server returns the stored message, never a second one
    const again = await b.outbox.send({ conversationId: conv, type: 'text', content: { text: 'dup' }, clientMsgId: sent[0]!.clientMsgId })
    expect(again.seq).toBe(sent[0]!.seq)
    await until(() => expect(got.map((m) => m.content.text)).toEqual(['hello 1', 'hello 2', 'hello 3', 'hello 4', 'hello 5']))
  })

  it('should reconnect after a drop and resume what was missed, once each, with edits made meanwhile', async () => {
    const a = client()
    await a.useToken(alice.token)
    const got: string[] = []
    const edits: Message[] = []
    a.on('message', (m) => m.conversationId === conv && got.push(String(m.content.text)))
    a.on('frame', (f) => f.type === 'message.updated' && edits.push(f.message))
    const before = await sendText(bob, conv, 'before')
    await a.connect()
    const states: string[] = []
    a.on('state', (s) => states.push(s))
    opened.at(-1)!.terminate()
    await sendText(bob, conv, 'missed 1')
    await sendText(bob, conv, 'missed 2')
    expect((await bob.api.patch(`/conversations/${conv}/messages/${before.seq}`, { content: { text: 'before (edited)' } })).status).toBe(
      200,
    )
    await until(() => expect(got).toEqual(['missed 1', 'missed 2']))
    await until(() => expect(edits.map((m) => m.content.text)).toContain('before (edited)'))
    expect(states).toEqual(expect.arrayContaining(['disconnected', 'connecting', 'connected']))
  })

  it('should react, see the reaction pushed live, list who reacted and take it back', async () => {
    const a = client()
    const b = client()
    await a.useToken(alice.token)
    await b.useToken(bob.token)
    const reactions: ServerFrame[] = []
    a.on('frame', (f) => f.type === 'message.reaction' && reactions.push(f))
    await a.connect()
    const m = await sendText(alice, conv, 'react here')
    const { message } = await b.api.react(conv, m.seq, '🎉')
    expect(message.reactions).toEqual([{ emoji: '🎉', count: 1, userIds: [bob.id] }])
    await until(() => expect(reactions).toEqual([expect.objectContaining({ userId: bob.id, emoji: '🎉', added: true })]))
    expect(await b.api.reactors(conv, m.seq, '🎉')).toEqual({ userIds: [bob.id], nextCursor: null })
    expect((await b.api.unreact(conv, m.seq, '🎉')).message.reactions).toBeUndefined()
    await until(() => expect(reactions.at(-1)).toMatchObject({ added: false }))
    await expect(b.api.react(conv, m.seq, 'not an emoji')).rejects.toMatchObject({ code: 'reaction.invalid_emoji', status: 400 })
  })

  it('should pin and unpin a message and read the pinned bar', async () => {
    const b = client()
    await b.useToken(bob.token)
    const m = await sendText(alice, conv, 'pin this')
    expect((await b.api.pin(conv, m.seq)).pins).toEqual([expect.objectContaining({ seq: m.seq, pinnedBy: bob.id })])
    expect((await b.api.conversation(conv)).pins?.map((p) => p.seq)).toEqual([m.seq])
    const bar = await b.api.pinnedMessages(conv)
    expect(bar.items[0]!.message.content).toEqual({ text: 'pin this' })
    expect((await b.api.unpin(conv, m.seq)).pins).toEqual([])
  })

  it('should search messages with filters and a cursor, and report a bad query as an ApiError', async () => {
    const b = client()
    await b.useToken(bob.token)
    const m = await sendText(alice, conv, '搜索 SDK needle')
    const page = await b.api.searchMessages('needle', { conversationId: conv, types: ['text'], limit: 1 })
    expect(page.items.map((h) => h.message.seq)).toEqual([m.seq])
    expect(page.items[0]!.snippet).toContainEqual({ text: 'needle', hit: true })
    expect((await b.api.searchMessages('搜索', { senderId: alice.id })).items[0]!.message.seq).toBe(m.seq)
    await expect(b.api.searchMessages('n')).rejects.toMatchObject({ code: 'search.query_invalid', status: 400 })
  })

  it('should remove a friend and clear our direct history on both sides', async () => {
    const dora = await createUser(t.url, 'dora')
    const emil = await createUser(t.url, 'emil')
    await befriend(dora, emil)
    const direct = await directConversation(dora, emil)
    await sendText(dora, direct, 'soon gone for both')
    const d = client()
    await d.useToken(dora.token)
    await d.api.removeFriend(emil.id, { deleteHistory: true, forBoth: true })
    expect((await emil.api.get(`/conversations/${direct}/messages`)).body.items).toEqual([])
  })

  it('should send through HTTP while the socket is down', async () => {
    const b = client()
    await b.useToken(bob.token)
    const stored = await b.send(conv, { text: 'no socket yet' })
    expect(stored).toMatchObject({ conversationId: conv, senderId: bob.id, content: { text: 'no socket yet' } })
  })

  it('should run the README example bot: it answers ping with pong', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const example = readFileSync(new URL('../examples/ping-bot.ts', import.meta.url), 'utf8')
    expect(readme).toContain(example.trim())

    const botUser = await createUser(t.url, 'pingbot')
    const carol = await createUser(t.url, 'carol')
    await befriend(carol, botUser)
    const direct = await directConversation(carol, botUser)
    const bot = await startPingBot(t.url, botUser.username, STRONG_PASSWORD)
    clients.push(bot)
    await sendText(carol, direct, 'ping')
    await until(async () => {
      const history = await carol.api.get(`/conversations/${direct}/messages`)
      const texts = history.body.items.map((m: Message) => `${m.senderId === botUser.id ? 'bot' : 'carol'}: ${m.content.text}`)
      expect(texts).toEqual(['carol: ping', 'bot: pong'])
    })
  })
})
