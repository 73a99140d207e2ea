import { EventEmitter } from 'node:events'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import type { Message } from '@jim/protocol'
import type { UserEvent } from '../../src/domain/events.js'
import type { MemberRangesCache } from '../../src/domain/conversations/member-ranges-cache.js'
import type { Store } from '../../src/domain/store.js'
import { Connection } from '../../src/gateway/connection.js'
import { ConversationFanout } from '../../src/gateway/conversation-fanout.js'
import { Hub } from '../../src/gateway/hub.js'

/** A socket that records every text frame it is given. */
class RecordingSocket extends EventEmitter {
  readonly OPEN = 1
  readyState = 1
  sent: string[] = []
  send(data: string | Buffer, _options: unknown, cb: () => void) {
    this.sent.push(data.toString())
    cb()
  }
  close() {}
  terminate() {}
}

const conversationId = 'c1'
const route = { conversationId, membershipVersion: 1 }
const members = { at: async () => ({ version: 1, ranges: new Map([['u', { joinSeq: 1, leftSeq: null }]]) }) }

function messageEvent(seq: number): UserEvent {
  const message = { conversationId, seq, id: `m${seq}`, senderId: 'v', text: `#${seq}` } as unknown as Message
  return { type: 'message.created', message } as UserEvent
}

/** One socket of user `u`; the fan-out fed by two sources (this instance's publishes and a routed one). */
function setUp(stored: number[] = []) {
  const ws = new RecordingSocket()
  const conn = new Connection({ id: 'k', userId: 'u', sessionId: 's', ws: ws as unknown as WebSocket, maxQueued: 100 })
  const hub = new Hub()
  hub.add(conn)
  const store = {
    messages: {
      history: async (_id: string, q: { after: number; maxSeq: number }) => ({
        items: stored
          .filter((s) => s > q.after && s <= q.maxSeq)
          .map((seq) => ({ conversationId, seq, id: `m${seq}`, createdAt: new Date(), reactions: [] })),
      }),
    },
  } as unknown as Store
  const fanout = new ConversationFanout({
    hub,
    store,
    members: members as unknown as MemberRangesCache,
    logger: pino({ level: 'silent' }),
    onPushed: () => {},
  })
  const deliver = async (seq: number) => {
    fanout.deliver(route, messageEvent(seq))
    await fanout.runInOrder(conversationId, async () => {})
  }
  const seqs = () => ws.sent.map((f) => (JSON.parse(f) as { message: { seq: number } }).message.seq)
  return { conn, fanout, deliver, seqs }
}

describe(ConversationFanout.name, () => {
  it('should still push a lower seq routed from another instance after a higher one published here, once', async () => {
    const { deliver, seqs } = setUp()
    await deliver(2) // published on this instance: reaches the socket first
    await deliver(1) // routed from the instance that sent it, arriving late
    await deliver(1) // a duplicate of the late one
    await deliver(2)
    await deliver(3)
    expect(seqs()).toEqual([2, 1, 3])
  })

  it('should fill a gap above the first live seq from the store and drop what it already pushed', async () => {
    const { deliver, seqs } = setUp([5, 6, 7])
    await deliver(5)
    await deliver(7) // 6 is missing: filled from the store
    await deliver(6)
    await deliver(4) // below the first live seq, never pushed: goes out
    await deliver(4)
    expect(seqs()).toEqual([5, 6, 7, 4])
  })

  it('should let a resume replay skip what was pushed live, late seqs included, and forget them after', async () => {
    const { conn, fanout, deliver } = setUp()
    await deliver(3)
    await deliver(1)
    expect([1, 2, 3].map((s) => ConversationFanout.wasPushedLive(conn, conversationId, s))).toEqual([true, false, true])
    fanout.markDelivered(conn, conversationId, 3)
    expect(conn.lateSeqs.has(conversationId)).toBe(false)
  })
})
