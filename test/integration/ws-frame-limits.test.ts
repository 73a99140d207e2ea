import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { useDirectChat } from '../helpers/suite-fixtures.js'
import { fullHistory } from '../helpers/history.js'
import { messageSend, TestSocket, type Frame } from '../helpers/ws-client.js'

/** Sends `count` frames without waiting, the way a looping client does. */
function flood(socket: TestSocket, count: number, frame: (i: number) => Record<string, unknown>): void {
  for (let i = 0; i < count && socket.ws.readyState === socket.ws.OPEN; i++) socket.send(frame(i))
}

const sendFrame = (conversationId: string, tag: string) => (i: number) =>
  messageSend(conversationId, { ref: `${tag}-${i}`, clientMsgId: `${tag}-${i}`, text: `${tag} ${i}` })

describe('per-socket frame limits (rate limits on)', () => {
  // alice sends to bob; carol is served while flooder floods
  const chat = useDirectChat({ overrides: { 'messages.sendPerMinute': 120 } })
  let flooder: TestUser
  beforeAll(async () => {
    flooder = await createUser(chat.t.url, 'flooder')
  })

  it('should refuse resume loops on 10 sockets with rate_limited, close them with 1008, and keep serving another user', async () => {
    const victimSock = await chat.open(chat.carol)
    const loops = await Promise.all(Array.from({ length: 10 }, () => chat.open(flooder)))
    for (const s of loops) flood(s, 300, () => ({ type: 'resume', positions: {} }))

    // another user is served meanwhile: REST and socket
    const me = await chat.carol.api.get('/me')
    expect(me.status).toBe(200)
    victimSock.send({ type: 'ping', id: 'v1' })
    expect((await victimSock.next('pong')).id).toBe('v1')
    victimSock.send({ type: 'resume', positions: {} })
    await victimSock.next('resumed')

    const closes = await Promise.all(loops.map((s) => s.closed))
    for (const [i, s] of loops.entries()) {
      expect(closes[i]!.code).toBe(1008)
      const refused = s.all('error').filter((f) => f.code === 'rate_limited')
      expect(refused.length).toBeGreaterThan(0)
      expect(refused[0]!.message).toMatch(/Too many resume frames/)
      expect(refused[0]!.retryAfter).toBeGreaterThanOrEqual(1)
      // closed once its refusals ran out (ws.refusalsBeforeClose), not after the whole loop
      expect(refused.length).toBeLessThan(60)
    }
    expect(victimSock.all('error')).toEqual([])
    expect((await chat.carol.api.get('/me')).status).toBe(200)
    victimSock.send({ type: 'ping', id: 'v2' })
    expect((await victimSock.next('pong')).id).toBe('v2')
  })

  it('should never limit a client working at a human pace', async () => {
    const s = await chat.open(chat.alice)
    s.send({ type: 'resume', positions: {} })
    await s.next('resumed')
    for (let i = 0; i < 5; i++) {
      s.send({ type: 'typing', conversationId: chat.conv })
      s.send(sendFrame(chat.conv, 'human')(i))
      expect((await s.reply(`human-${i}`)).type).toBe('message.ack')
      s.send({ type: 'ping', id: i })
      await s.next('pong')
    }
    // a reconnect-style second resume a moment later
    await new Promise((r) => setTimeout(r, 600))
    s.send({ type: 'resume', positions: {} })
    await s.next('resumed')
    expect(s.all('error')).toEqual([])
    expect(s.ws.readyState).toBe(s.ws.OPEN)
  })

  it('should refuse message.send over the per-socket budget with its ref and store nothing for it', async () => {
    const s = await chat.open(chat.alice)
    flood(s, 40, sendFrame(chat.conv, 'burst'))
    const answers: Frame[] = await Promise.all(Array.from({ length: 40 }, (_, i) => s.reply(`burst-${i}`)))
    const acked = answers.filter((f) => f.type === 'message.ack')
    const refused = answers.filter((f) => f.type === 'error')
    expect(acked.length + refused.length).toBe(40)
    expect(refused.length).toBeGreaterThan(0)
    for (const f of refused) {
      expect(f).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/Too many message\.send frames/) })
      expect(f.retryAfter).toBeGreaterThanOrEqual(1)
    }
    const stored = (await fullHistory(chat.alice, chat.conv)).map((m) => String(m.content.text)).filter((text) => text.startsWith('burst '))
    expect(stored.length).toBe(acked.length)
    expect(new Set(stored)).toEqual(new Set(acked.map((f) => f.message.content.text)))
  })
})

describe('per-socket frame limits with rate limits off (bench mode)', () => {
  let t: TestApp
  let user: TestUser
  let friend: TestUser
  let conv: string
  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'rateLimit.enabled': false } })
    user = await createUser(t.url, 'bench')
    friend = await createUser(t.url, 'benchfriend')
    await befriend(user, friend)
    conv = await directConversation(user, friend)
  })
  afterAll(() => t.close())

  it('should limit nothing', async () => {
    const loops = await Promise.all(Array.from({ length: 10 }, () => TestSocket.open(t.wsUrl, { token: user.token })))
    for (const s of loops) flood(s, 40, () => ({ type: 'resume', positions: {} }))
    flood(loops[0]!, 60, sendFrame(conv, 'free'))
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => loops[0]!.reply(`free-${i}`)))
    expect(answers.filter((f) => f.type !== 'message.ack')).toEqual([])
    for (const s of loops) {
      for (let i = 0; i < 40; i++) await s.next('resumed')
      expect(s.all('error')).toEqual([])
      expect(s.ws.readyState).toBe(s.ws.OPEN)
      s.close()
    }
  })
})
