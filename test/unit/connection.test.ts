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
  send(data: string, _cb: () => void) {
    this.sent.push(data)
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
    ws.send = function (data: string, cb: () => void) {
      this.sent.push(data)
      cb()
    }
    const conn = new Connection({ id: 'c', userId: 'u', sessionId: 's', ws: ws as unknown as WebSocket, maxQueued: 2 })
    for (let i = 0; i < 100; i++) conn.send({ type: 'pong', id: i })
    expect(ws.sent).toHaveLength(100)
    expect(ws.closedWith).toBeNull()
  })
})
