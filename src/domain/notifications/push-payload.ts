import type { Message } from '../messages/message.js'

/**
 * What a push carries to the service worker (web/public/sw.js reads it): one notification per
 * `tag` (a conversation's notifications replace each other), or `clear` to close a tag's.
 * Bounded well under the 4 KB a push service accepts once encrypted (RFC 8291 adds 103 bytes).
 */
export type PushPayload =
  | { kind: 'message'; tag: string; conversationId: string; title: string; body?: string }
  | { kind: 'friend_request'; tag: string; title: string }
  | { kind: 'call'; tag: string; conversationId: string; title: string; media: 'voice' | 'video' }
  | { kind: 'clear'; tag: string; conversationId: string }

export const MAX_PAYLOAD_BYTES = 3000
const MAX_TITLE = 100
const MAX_BODY = 300

export const conversationTag = (conversationId: string) => `c:${conversationId}`

export function messagePayload(m: {
  message: Message
  kind: string
  groupName: string | null
  sender: string
  previews: boolean
}): PushPayload {
  const { message } = m
  const title = clip(m.kind === 'group' ? (m.groupName ?? m.sender) : m.sender, MAX_TITLE)
  const payload: PushPayload = {
    kind: 'message',
    tag: conversationTag(message.conversationId),
    conversationId: message.conversationId,
    title,
  }
  if (!m.previews) return payload
  const text = previewOf(message)
  const body = clip(m.kind === 'group' ? `${m.sender}: ${text}` : text, MAX_BODY)
  const withBody = { ...payload, body }
  // multi-byte text: the byte bound, not the character count, is what the push service enforces
  return Buffer.byteLength(JSON.stringify(withBody)) <= MAX_PAYLOAD_BYTES ? withBody : payload
}

export function friendRequestPayload(fromUserId: string, name: string): PushPayload {
  return { kind: 'friend_request', tag: `fr:${fromUserId}`, title: clip(name, MAX_TITLE) }
}

/** An incoming call: the caller's name; the service worker says "Incoming voice/video call" in the device's language. */
export function callPayload(c: { callId: string; conversationId: string; media: 'voice' | 'video' }, callerName: string): PushPayload {
  return { kind: 'call', tag: `call:${c.callId}`, conversationId: c.conversationId, title: clip(callerName, MAX_TITLE), media: c.media }
}

export function clearPayload(conversationId: string): PushPayload {
  return { kind: 'clear', tag: conversationTag(conversationId), conversationId }
}

/**
 * The text shown for a message: its words, or a bracketed type for media followed by its caption
 * if it has one (the client localizes nothing here).
 */
function previewOf(m: Message): string {
  if (m.type === 'text' && typeof m.content.text === 'string') return m.content.text
  return typeof m.content.caption === 'string' && m.content.caption ? `[${m.type}] ${m.content.caption}` : `[${m.type}]`
}

function clip(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()]
  return chars.length <= max ? chars.join('') : chars.slice(0, max - 1).join('') + '…'
}
