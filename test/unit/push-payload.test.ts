import { describe, expect, it } from 'vitest'
import type { Message } from '../../src/domain/messages/message.js'
import { messagePayload } from '../../src/domain/notifications/push-payload.js'

const message = (type: Message['type'], content: Record<string, unknown>): Message => ({
  id: 'm1',
  conversationId: 'c1',
  seq: 1,
  senderId: 'ann',
  clientMsgId: 'k1',
  type,
  content,
  createdAt: 0,
  editedAt: null,
  recalledAt: null,
  modSeq: 0,
  reactions: [],
})

const bodyOf = (m: Message, kind = 'direct') =>
  (messagePayload({ message: m, kind, groupName: 'Hikers', sender: 'Ann', previews: true }) as { body?: string }).body

describe('push message payload', () => {
  it('should show a media message as its type followed by its caption, and the type alone without one', () => {
    expect(bodyOf(message('image', { fileId: 'f', caption: 'Sunset at the beach' }))).toBe('[image] Sunset at the beach')
    expect(bodyOf(message('file', { fileId: 'f', name: 'minutes.pdf', caption: '第二页' }), 'group')).toBe('Ann: [file] 第二页')
    expect(bodyOf(message('image', { fileId: 'f' }))).toBe('[image]')
    expect(bodyOf(message('text', { text: 'hello' }))).toBe('hello')
  })

  it('should leave the body out when previews are off, caption or not', () => {
    const m = message('image', { fileId: 'f', caption: 'private' })
    expect(messagePayload({ message: m, kind: 'direct', groupName: null, sender: 'Ann', previews: false })).not.toHaveProperty('body')
  })
})
