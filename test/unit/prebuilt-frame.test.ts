import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { Connection } from '../../src/gateway/connection.js'
import { directSocketOf } from '../../src/gateway/prebuilt-frame.js'

const servers: WebSocketServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A real ws server and client; resolves with the server side wrapped in a Connection and the client. */
async function connectedPair(perMessageDeflate: boolean) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate })
  servers.push(server)
  await once(server, 'listening')
  const accepted = once(server, 'connection') as Promise<[WebSocket]>
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate })
  const received: string[] = []
  client.on('message', (data, isBinary) => received.push(isBinary ? 'binary!' : String(data)))
  await once(client, 'open')
  const [ws] = await accepted
  const conn = new Connection({ id: 'c', userId: 'u', sessionId: 's', ws, maxQueued: 100 })
  return { conn, ws, received }
}

async function until(check: () => boolean) {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('frames written prebuilt (fan-out Buffers and strings)', () => {
  // the three header sizes of the protocol: 7-bit, 16-bit and 64-bit payload lengths
  const payloads = [5, 125, 126, 300, 65535, 65536, 70_000].map((size) => JSON.stringify({ pad: 'x'.repeat(size) }))
  // multi-byte UTF-8: a string's frame length is its byte length, not its length in characters
  payloads.push(JSON.stringify({ text: '你好👋'.repeat(10) }), JSON.stringify({ text: '你好👋'.repeat(7000) }))

  for (const perMessageDeflate of [false, true]) {
    it(`should reach a ws client as the same text messages, in order among other frames (compression ${perMessageDeflate ? 'on' : 'off'})`, async () => {
      const { conn, ws, received } = await connectedPair(perMessageDeflate)
      const expected: string[] = []
      for (const [i, payload] of payloads.entries()) {
        const shared = Buffer.from(payload)
        conn.sendRaw(shared)
        conn.sendRaw(shared) // the same Buffer again: the frame built for it is reused
        ws.ping()
        conn.send({ type: 'pong', id: i })
        conn.sendRaw(payload) // a string: framed for this socket alone
        expected.push(payload, payload, JSON.stringify({ type: 'pong', id: i }), payload)
      }
      await until(() => received.length >= expected.length)
      expect(received).toEqual(expected)
    })
  }

  // the fast path reads ws 8's internals: a ws release that moves them turns it off silently (every
  // frame then goes through ws.send, correct but slower); this says so instead
  it('should take the direct path on an open uncompressed socket of the installed ws, and ws.send otherwise', async () => {
    const plain = await connectedPair(false)
    expect(directSocketOf(plain.ws)).not.toBeNull()
    const compressed = await connectedPair(true)
    expect(directSocketOf(compressed.ws)).toBeNull()
  })

  it('should send no data frame once the closing handshake began (as ws.send refuses them)', async () => {
    const { conn, ws, received } = await connectedPair(false)
    conn.sendRaw(Buffer.from('"before"'))
    await until(() => received.length === 1)
    ws.close(1000, 'bye')
    expect(directSocketOf(ws)).toBeNull()
    conn.sendRaw(Buffer.from('"after"'))
    await once(ws, 'close')
    expect(received).toEqual(['"before"'])
  })
})
