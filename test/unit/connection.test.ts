import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { Connection } from '../../src/gateway/connection.js'

/** A socket whose writes never complete, like a client that stopped reading. */
class StuckSocket extends EventEmitter {
  readonly OPEN = 1
  readyState = 1
  sent: string[] = []
  closedWith: [number, string] | null = null
  // ws's send(data, options, cb): the connection writes text frames with one shared callback
  send(data: string | Buffer, _options: object, _cb: () => void) {
    this.sent.push(String(data))
  }
  close(code: number, reason: string) {
    this.closedWith = [code, reason]
    this.readyState = 3
    this.emit('close')
  }
  terminate() {}
}

describe(Connection.name, () => {
  it('should close a slow consumer with 4008 once its outbound queue is full, and send nothing more', () => {
    const ws = new StuckSocket()
    const conn = new Connection({ id: 'c', userId: 'u', sessionId: 's', ws: ws as unknown as WebSocket, maxQueued: 3 })
    for (let i = 0; i < 3; i++) conn.send({ type: 'pong', id: i })
    expect(ws.closedWith).toBeNull()
    conn.send({ type: 'pong', id: 3 })
    expect(ws.closedWith).toEqual([4008, 'too slow'])
    conn.send({ type: 'pong', id: 4 })
    expect(ws.sent).toHaveLength(3)
    expect(conn.isOpen).toBe(false)
  })

  it('should keep sending while writes complete', () => {
    const ws = new StuckSocket()
    ws.send = function (data: string | Buffer, _options: object, cb: () => void) {
      this.sent.push(String(data))
      cb()
    }
    const conn = new Connection({ id: 'c', userId: 'u', sessionId: 's', ws: ws as unknown as WebSocket, maxQueued: 2 })
    for (let i = 0; i < 100; i++) conn.send({ type: 'pong', id: i })
    expect(ws.sent).toHaveLength(100)
    expect(ws.closedWith).toBeNull()
  })

  it('should hold live frames while resuming, send the replay past the hold, then the held frames in order', () => {
    const ws = new StuckSocket()
    ws.send = function (data: string | Buffer, _options: object, cb: () => void) {
      this.sent.push(String(data))
      cb()
    }
    const conn = new Connection({ id: 'c', userId: 'u', sessionId: 's', ws: ws as unknown as WebSocket, maxQueued: 10 })
    conn.hold()
    conn.send({ type: 'pong', id: 'live 1' })
    conn.sendNow({ type: 'pong', id: 'replay' })
    conn.send({ type: 'pong', id: 'live 2' })
    expect(ws.sent.map((d) => JSON.parse(d).id)).toEqual(['replay'])
    conn.release()
    expect(ws.sent.map((d) => JSON.parse(d).id)).toEqual(['replay', 'live 1', 'live 2'])
    conn.send({ type: 'pong', id: 'after' })
    expect(ws.sent).toHaveLength(4)
  })

  it('should close with 4008 when held frames and the queue together pass the bound', () => {
    const ws = new StuckSocket()
    const conn = new Connection({ id: 'c', userId: 'u', sessionId: 's', ws: ws as unknown as WebSocket, maxQueued: 3 })
    conn.hold()
    conn.sendNow({ type: 'pong', id: 0 })
    conn.send({ type: 'pong', id: 1 })
    conn.send({ type: 'pong', id: 2 })
    expect(ws.closedWith).toBeNull()
    conn.send({ type: 'pong', id: 3 })
    expect(ws.closedWith).toEqual([4008, 'too slow'])
  })

  it('should resolve writable() once the queue has drained to the mark, or the socket closed', async () => {
    const ws = new StuckSocket()
    const callbacks: Array<() => void> = []
    ws.send = function (data: string | Buffer, _options: object, cb: () => void) {
      this.sent.push(String(data))
      callbacks.push(cb)
    }
    const conn = new Connection({ id: 'c', userId: 'u', sessionId: 's', ws: ws as unknown as WebSocket, maxQueued: 10 })
    for (let i = 0; i < 4; i++) conn.sendNow({ type: 'pong', id: i })
    let done = false
    const waiting = conn.writable(1).then(() => (done = true))
    callbacks.shift()!()
    callbacks.shift()!()
    await Promise.resolve()
    expect(done).toBe(false)
    callbacks.shift()!()
    await waiting
    expect(done).toBe(true)
    const never = conn.writable(0)
    ws.close(1000, 'bye')
    await never
  })
})
