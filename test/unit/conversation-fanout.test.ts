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

/**
 * One socket of user `u`; the fan-out fed by two sources (this instance's publishes and a routed
 * one). `stored` are the seqs in the database, stored after the socket connected unless listed
 * in `storedBefore`.
 */
function setUp(stored: number[] = [], storedBefore: number[] = []) {
  const ws = new RecordingSocket()
  const conn = new Connection({ id: 'k', userId: 'u', sessionId: 's', ws: ws as unknown as WebSocket, maxQueued: 100 })
  const hub = new Hub()
  hub.add(conn)
  let reads = 0
  const store = {
    messages: {
      history: async (_id: string, q: { after: number; maxSeq: number }) => {
        reads++
        const items = stored
          .filter((s) => s > q.after && s <= q.maxSeq)
          .map((seq) => ({
            conversationId,
            seq,
            id: `m${seq}`,
            createdAt: conn.connectedAt + (storedBefore.includes(seq) ? -1000 : 1),
            reactions: [],
          }))
        return { items, hasMore: false }
      },
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
  return { conn, fanout, deliver, seqs, reads: () => reads }
}

describe(ConversationFanout.name, () => {
  it('should push a lower seq still in flight from another instance before a higher one published here, once', async () => {
    const { deliver, seqs } = setUp([1, 2, 3])
    await deliver(2) // published on this instance: reaches the fan-out first; 1 is read from the store
    await deliver(1) // routed from the instance that sent it, arriving late
    await deliver(1)
    await deliver(2)
    await deliver(3)
    expect(seqs()).toEqual([1, 2, 3])
  })

  it('should not push to a fresh socket what was stored before it connected, not even when it arrives late', async () => {
    const { deliver, seqs } = setUp([1, 2, 3], [1])
    await deliver(3)
    await deliver(1)
    expect(seqs()).toEqual([2, 3])
  })

  it('should fill a gap above the last live seq from the store and drop what it already pushed', async () => {
    const { deliver, seqs } = setUp([5, 6, 7], [5, 6, 7])
    await deliver(5)
    await deliver(7) // 6 is missing: filled from the store
    await deliver(6)
    await deliver(4) // below everything this instance handled: a duplicate
    expect(seqs()).toEqual([5, 6, 7])
  })

  it('should read the store only when a seq does not follow the last one handled', async () => {
    const { deliver, seqs, reads } = setUp([1, 2, 3, 4, 5])
    await deliver(1)
    await deliver(2)
    await deliver(3)
    expect(reads()).toBe(0)
    await deliver(5)
    expect(reads()).toBe(1)
    expect(seqs()).toEqual([1, 2, 3, 4, 5])
  })

  it('should let a resume replay skip what was pushed live, and forget it after', async () => {
    const { conn, fanout, deliver } = setUp([1, 2, 3], [1])
    await deliver(3)
    expect([1, 2, 3].map((s) => ConversationFanout.wasPushedLive(conn, conversationId, s))).toEqual([false, true, true])
    fanout.markDelivered(conn, conversationId, 3)
    expect(ConversationFanout.wasPushedLive(conn, conversationId, 3)).toBe(false)
  })
})
