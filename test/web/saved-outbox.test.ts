import { describe, expect, it } from 'vitest'
import { SavedOutbox, type KeyValueStorage } from '../../web/src/app/saved-outbox.js'
import type { PendingMessage } from '../../web/src/store/timeline.js'

function memoryStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v), remove: (k) => void map.delete(k) }
}

const pending = (clientMsgId: string, status: PendingMessage['status'], conversationId = 'c1'): PendingMessage => ({
  clientMsgId,
  conversationId,
  type: 'text',
  content: { text: clientMsgId },
  status,
  createdAt: '2026-01-01T00:00:00.000Z',
  error: status === 'failed' ? 'message.blocked' : null,
})

describe('SavedOutbox', () => {
  it('should keep only the messages still sending, per user, and give them back as sending', () => {
    const storage = memoryStorage()
    const saved = new SavedOutbox(storage)
    saved.save('u1', { c1: [pending('a', 'sending'), pending('b', 'failed')], c2: [pending('c', 'sending', 'c2')] })
    saved.save('u2', { c1: [pending('d', 'sending')] })
    expect(saved.load('u1').map((p) => [p.clientMsgId, p.conversationId, p.status, p.error])).toEqual([
      ['a', 'c1', 'sending', null],
      ['c', 'c2', 'sending', null],
    ])
    expect(saved.load('u2').map((p) => p.clientMsgId)).toEqual(['d'])
    expect(saved.load('u3')).toEqual([])
  })

  it('should drop the key when nothing is left to send, and on forget', () => {
    const storage = memoryStorage()
    const saved = new SavedOutbox(storage)
    saved.save('u1', { c1: [pending('a', 'sending')] })
    saved.save('u1', { c1: [pending('a', 'failed')] })
    expect(storage.map.size).toBe(0)
    saved.save('u1', { c1: [pending('a', 'sending')] })
    saved.forget('u1')
    expect(storage.map.size).toBe(0)
  })

  it('should ignore what it did not write (garbage, wrong shapes)', () => {
    const storage = memoryStorage()
    const saved = new SavedOutbox(storage)
    storage.set('jim.outbox.u1', '{not json')
    expect(saved.load('u1')).toEqual([])
    storage.set('jim.outbox.u1', JSON.stringify([{ clientMsgId: 1 }, null, 'x', { ...pending('ok', 'sending') }]))
    expect(saved.load('u1').map((p) => p.clientMsgId)).toEqual(['ok'])
  })
})
