import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('resume: long replays and order against live pushes', () => {
  let t: TestApp
  let ana: TestUser
  let bo: TestUser
  beforeAll(async () => {
    // the default outbound queue (1,000 frames) and a replay bound above what was missed
    t = await startTestApp({ overrides: { 'messages.resumeMaxMessages': 2000 } })
    ana = await createUser(t.url, 'ana')
    bo = await createUser(t.url, 'bo')
    await befriend(ana, bo)
  })
  afterAll(() => t.close())

  it('should replay 1,500 missed messages in order and answer resumed, without closing the socket (4008)', async () => {
    const conv = await directConversation(ana, bo)
    const start = (await bo.api.get(`/conversations/${conv}`)).body.lastSeq
    // stored while bo was away (straight through the store: 1,500 HTTP sends would only slow the suite)
    for (let i = 0; i < 1500; i++) {
      await t.app.store.messages.append({
        conversationId: conv,
        senderId: ana.id,
        clientMsgId: `missed-${i}`,
        type: 'text',
        content: { text: `missed ${i}` },
        now: Date.now(),
      })
    }
    const sock = await TestSocket.open(t.wsUrl, { token: bo.token })
    sock.send({ type: 'resume', positions: { [conv]: start }, id: 'r1' })
    const resumed = await sock.next('resumed', 30_000)
    expect(resumed.positions[conv]).toBe(start + 1500)
    const seqs = sock.all('message.created').map((f) => f.message.seq)
    expect(seqs).toEqual(Array.from({ length: 1500 }, (_, k) => start + 1 + k))
    expect(sock.ws.readyState).toBe(sock.ws.OPEN)
    sock.close()
  }, 60_000)

  it('should hold a live push of a resuming socket until its replay and resumed are sent', async () => {
    const groups: Array<{ conversationId: string }> = []
    for (let k = 0; k < 2; k++) groups.push((await bo.api.post('/groups', { name: `Resume ${k}` })).body.group)
    const [first, second] = groups.map((g) => g.conversationId) as [string, string]
    const other = await login(t.url, bo.username)
    const sock = await TestSocket.open(t.wsUrl, { token: bo.token })
    // a message to the first conversation is sent and pushed while the resume reads the second one
    const messages = t.app.store.messages
    const history = messages.history.bind(messages)
    let live: { seq: number } | undefined
    messages.history = async (conversationId, q) => {
      if (conversationId === second && !live) {
        live = await sendText(other, first, 'live while resuming')
        await new Promise((r) => setTimeout(r, 50)) // room for the push to go out, were it not held
      }
      return history(conversationId, q)
    }
    try {
      sock.send({ type: 'resume', positions: { [first]: 0, [second]: 0 } })
      await sock.next('resumed', 30_000)
    } finally {
      messages.history = history
    }
    const liveFrame = await sock.take((f) => f.type === 'message.created' && f.message.seq === live!.seq, 'live message')

    const order = sock.frames
    expect(order.indexOf(liveFrame)).toBeGreaterThan(order.findIndex((f) => f.type === 'resumed'))
    const inFirst = order.filter((f) => f.type === 'message.created' && f.message.conversationId === first).map((f) => f.message.seq)
    expect(inFirst).toEqual([1, live!.seq])
    const ids = new Set(groups.map((g) => g.conversationId))
    expect(order.filter((f) => f.type === 'message.created' && ids.has(f.message.conversationId))).toHaveLength(groups.length + 1)
    sock.close()
  })
})
