import { ApiClient, ApiError, newClientMsgId, Outbox, type Message, type SocketEvent } from '@jim/client'
import { describe, expect, it } from 'vitest'
import { fakeFetch } from './fake-fetch.js'
import { fakeJimSocket, msg } from './fake-socket.js'

function setup() {
  const { timers, socket, last, connect } = fakeJimSocket({ random: () => 0 })
  const http = fakeFetch()
  const api = new ApiClient({ baseUrl: 'http://chat.test', fetch: http.fetch })
  let ids = 0
  const outbox = new Outbox({ socket, api, timers, random: () => 0, newId: () => `cm-${++ids}` })
  const delivered: string[] = []
  socket.subscribe((e: SocketEvent) => e.kind === 'message' && delivered.push(`${e.message.conversationId}:${e.message.seq}`))
  const settle = () => new Promise((r) => setTimeout(r, 0))
  return { timers, socket, outbox, http, last, connect, delivered, settle }
}

describe('Outbox', () => {
  it('should send over the socket while connected and resolve with the acked message, delivered once', async () => {
    const { socket, outbox, last, connect, delivered, http } = setup()
    socket.seed('a', 4)
    socket.start('t')
    connect()
    const sent = outbox.send({ conversationId: 'a', type: 'text', content: { text: 'hi' } })
    const [frame] = last().sentOfType('message.send')
    expect(frame).toEqual({
      type: 'message.send',
      ref: frame.ref,
      conversationId: 'a',
      clientMsgId: 'cm-1',
      messageType: 'text',
      content: { text: 'hi' },
    })
    const stored = msg('a', 5, { clientMsgId: 'cm-1' })
    last().push({ type: 'message.created', message: stored })
    last().push({ type: 'message.ack', ref: frame.ref, message: stored })
    expect(await sent).toEqual(stored)
    expect(delivered).toEqual(['a:5'])
    expect(http.calls).toHaveLength(0)
    expect(outbox.pending).toHaveLength(0)
  })

  it('should fall back to HTTP while the socket is down', async () => {
    const { outbox, http, settle } = setup()
    const sent = outbox.send({ conversationId: 'a', type: 'text', content: { text: 'offline' } })
    await settle()
    expect(http.calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['POST', 'http://chat.test/api/v1/conversations/a/messages', { clientMsgId: 'cm-1', type: 'text', content: { text: 'offline' } }],
    ])
    const stored = msg('a', 1, { clientMsgId: 'cm-1' })
    http.calls[0]!.answer(201, { message: stored })
    expect(await sent).toEqual(stored)
  })

  it('should retry with the same clientMsgId when the socket drops before the ack, over HTTP and then on the new socket', async () => {
    const { socket, outbox, http, last, connect, timers, settle } = setup()
    socket.start('t')
    connect()
    const sent = outbox.send({ conversationId: 'a', type: 'text', content: { text: 'lost?' } })
    expect(last().sentOfType('message.send')).toHaveLength(1)
    last().drop()
    await settle()
    expect(http.calls).toHaveLength(1)
    expect(http.calls[0]!.body.clientMsgId).toBe('cm-1')
    http.calls[0]!.fail() // the network is down too
    await settle()
    expect(timers.pending()).toEqual([250, 500]) // the socket's reconnect, the outbox's backoff
    timers.advance(250)
    connect()
    // the socket is back: the send goes at once, over the socket, with the same key
    const retried = last().sentOfType('message.send')
    expect(retried.map((f) => f.clientMsgId)).toEqual(['cm-1'])
    expect(timers.pending()).toEqual([30_000]) // only the heartbeat: the backoff was cancelled
    const stored = msg('a', 1, { clientMsgId: 'cm-1' })
    last().push({ type: 'message.ack', ref: retried[0].ref, message: stored })
    expect(await sent).toEqual(stored)
  })

  it('should keep a message typed offline until the server answers when told to try without limit', async () => {
    const { timers, socket } = fakeJimSocket()
    const http = fakeFetch()
    const api = new ApiClient({ baseUrl: 'http://chat.test', fetch: http.fetch })
    const outbox = new Outbox({ socket, api, timers, random: () => 1, maxAttempts: Infinity, newId: () => 'cm-x' })
    const sent = outbox.send({ conversationId: 'a', type: 'text', content: { text: 'typed offline' } })
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 0))
      http.calls.at(-1)!.fail()
      await new Promise((r) => setTimeout(r, 0))
      timers.advance(15_000)
    }
    expect(http.calls.length).toBeGreaterThan(30)
    expect(new Set(http.calls.map((c) => c.body.clientMsgId))).toEqual(new Set(['cm-x']))
    expect(outbox.pending).toHaveLength(1)
    http.calls.at(-1)!.answer(201, { message: msg('a', 1, { clientMsgId: 'cm-x' }) })
    expect((await sent).seq).toBe(1)
  })

  it('should keep a wait the server asked for (rate_limited) when the socket comes back', async () => {
    const { socket, outbox, last, connect, timers } = setup()
    socket.start('t')
    connect()
    void outbox.send({ conversationId: 'a', type: 'text', content: { text: 'x' } })
    const [first] = last().sentOfType('message.send')
    last().push({ type: 'error', ref: first.ref, code: 'rate_limited', message: 'slow down', retryAfter: 5 })
    last().drop()
    timers.advance(250)
    connect()
    expect(last().sentOfType('message.send')).toHaveLength(0)
    timers.advance(5000)
    expect(
      last()
        .sentOfType('message.send')
        .map((f) => f.clientMsgId),
    ).toEqual([first.clientMsgId])
  })

  it('should wait out rate_limited and retry the same message, but reject a refusal', async () => {
    const { socket, outbox, last, connect, timers } = setup()
    socket.start('t')
    connect()
    const limited = outbox.send({ conversationId: 'a', type: 'text', content: { text: 'x' } })
    const refused = outbox.send({ conversationId: 'b', type: 'text', content: { text: 'y' } })
    const [first, second] = last().sentOfType('message.send')
    last().push({ type: 'error', ref: first.ref, code: 'rate_limited', message: 'slow down', retryAfter: 5 })
    last().push({ type: 'error', ref: second.ref, code: 'message.blocked', message: 'blocked' })
    await expect(refused).rejects.toMatchObject({ code: 'message.blocked' })
    timers.advance(4999)
    expect(last().sentOfType('message.send')).toHaveLength(2)
    timers.advance(1)
    const again = last().sentOfType('message.send')
    expect(again).toHaveLength(3)
    expect(again[2].clientMsgId).toBe(first.clientMsgId)
    const stored: Message = msg('a', 1, { clientMsgId: first.clientMsgId })
    last().push({ type: 'message.ack', ref: again[2].ref, message: stored })
    expect(await limited).toEqual(stored)
  })

  it('should reject every pending send when cleared', async () => {
    const { outbox } = setup()
    const sent = outbox.send({ conversationId: 'a', type: 'text', content: { text: 'bye' } })
    outbox.clear()
    await expect(sent).rejects.toBeInstanceOf(ApiError)
  })
})

describe('newClientMsgId', () => {
  it('should be unique per call', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newClientMsgId()))
    expect(ids.size).toBe(1000)
  })
})
