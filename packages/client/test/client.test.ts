import { JimClient, type Message } from '@jim/client'
import { describe, expect, it } from 'vitest'
import { fakeFetch } from './fake-fetch.js'
import { FakeSocket, ManualTimers, msg } from './fake-socket.js'

function setup(options: Partial<ConstructorParameters<typeof JimClient>[0]> = {}) {
  const timers = new ManualTimers()
  const http = fakeFetch()
  const sockets: FakeSocket[] = []
  class Socket extends FakeSocket {
    constructor(url: string) {
      super(url)
      sockets.push(this)
    }
  }
  const client = new JimClient({ baseUrl: 'http://chat.test', WebSocket: Socket, fetch: http.fetch, timers, ...options })
  client.api.token = 't'
  const delivered: number[] = []
  client.on('message', (m) => delivered.push(m.seq))
  const settle = () => new Promise((r) => setTimeout(r, 0))
  const page = (items: Message[], hasMore: boolean) => ({ items, hasMore })
  return { client, http, sockets, timers, delivered, settle, page }
}

describe('JimClient', () => {
  it('should fill a hole from history, page by page, delivering each message once in order', async () => {
    const { client, http, delivered, settle, page } = setup()
    client.socket.seed('a', 2)
    const done = client.fillFromHistory('a')
    await settle()
    expect(http.calls[0]!.url).toBe('http://chat.test/api/v1/conversations/a/messages?after=2&limit=100')
    http.calls[0]!.answer(200, page([msg('a', 4), msg('a', 3)], true))
    await settle()
    expect(http.calls[1]!.url).toContain('after=4')
    http.calls[1]!.answer(200, page([msg('a', 5)], false))
    expect(await done).toBe(true)
    expect(delivered).toEqual([3, 4, 5])
  })

  it('should stop after maxPages, skip to the last seq it was told, and say it did not catch up', async () => {
    const { client, http, delivered, settle, page } = setup()
    client.socket.seed('a', 0)
    const done = client.fillFromHistory('a', { maxPages: 1, lastSeq: 500 })
    await settle()
    http.calls[0]!.answer(200, page([msg('a', 1), msg('a', 2)], true))
    expect(await done).toBe(false)
    expect(delivered).toEqual([1, 2])
    expect(client.socket.sequencer.position('a')).toBe(500)
    // what comes after the skip is delivered again
    client.socket.accept(msg('a', 501))
    expect(delivered).toEqual([1, 2, 501])
  })

  it('should hand repairs to the app when it says how, instead of reading all history', async () => {
    const repairs: Array<[string, number | null]> = []
    const { client, sockets, http } = setup({ repair: (id, lastSeq) => void repairs.push([id, lastSeq]) })
    client.socket.seed('a', 3)
    client.socket.start('t')
    sockets[0]!.open()
    sockets[0]!.ready()
    sockets[0]!.push({ type: 'resync_required', conversationId: 'a', lastSeq: 900 })
    expect(repairs).toEqual([['a', 900]])
    expect(http.calls).toHaveLength(0)
  })

  it('should stop the socket and tell the app when a REST call says the session is gone', async () => {
    let ended = 0
    const { client, sockets, http, settle } = setup({ onUnauthorized: () => ended++ })
    client.socket.start('t')
    sockets[0]!.open()
    sockets[0]!.ready()
    const call = client.api.me().catch((e: unknown) => e)
    await settle()
    http.calls[0]!.answer(401, { error: { code: 'auth.unauthorized', message: 'sign in' } })
    expect(await call).toMatchObject({ status: 401 })
    expect(ended).toBe(1)
    expect(client.socket.running).toBe(false)
  })

  it('should pass sendAttempts to the outbox: 1 gives up after the first transient failure', async () => {
    const { client, http, settle } = setup({ sendAttempts: 1 })
    const sent = client.send('a', { text: 'once' }).catch((e: unknown) => e)
    await settle()
    http.calls[0]!.fail()
    expect(await sent).toMatchObject({ code: 'network' })
    expect(http.calls).toHaveLength(1)
  })
})

describe('JimClient.forget', () => {
  it('should forget positions, modSeqs and unsent messages, so the next sign-in resumes from its own list', async () => {
    const { client, sockets, settle } = setup()
    client.socket.seed('a', 7, 3)
    client.socket.start('t')
    sockets[0]!.open()
    sockets[0]!.ready()
    expect(sockets[0]!.sentOfType('resume')[0].positions).toEqual({ a: { seq: 7, modSeq: 3 } })
    const unsent = client.send('a', { text: 'never' }).catch((e: unknown) => e)
    client.forget()
    expect(await unsent).toMatchObject({ code: 'cancelled' })
    expect(client.api.token).toBeNull()
    expect(client.socket.sequencer.positions()).toEqual({})

    client.api.token = 't2'
    client.socket.seed('b', 1, 0)
    client.socket.start('t2')
    await settle()
    sockets.at(-1)!.open()
    sockets.at(-1)!.ready()
    expect(sockets.at(-1)!.sentOfType('resume')[0].positions).toEqual({ b: { seq: 1, modSeq: 0 } })
  })
})
