import type { TestUser } from './api-client.js'

/** Makes two users friends through the real API (request + accept). */
export async function befriend(a: TestUser, b: TestUser, greeting?: string): Promise<void> {
  const req = await a.api.post('/friend-requests', greeting ? { userId: b.id, greeting } : { userId: b.id })
  if (req.status !== 201) throw new Error(`friend request failed: ${req.status} ${JSON.stringify(req.body)}`)
  const res = await b.api.post(`/friend-requests/${req.body.request.id}/accept`)
  if (res.status !== 200) throw new Error(`accept failed: ${res.status} ${JSON.stringify(res.body)}`)
}

/** Opens the direct conversation of two friends and returns its id. */
export async function directConversation(a: TestUser, b: TestUser): Promise<string> {
  const res = await a.api.put(`/conversations/direct/${b.id}`)
  if (res.status !== 200) throw new Error(`open direct failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.id
}

let n = 0
/** Sends a text message and returns the stored message. */
export async function sendText(user: TestUser, conversationId: string, text: string, clientMsgId = `m${Date.now()}-${++n}`) {
  const res = await user.api.post(`/conversations/${conversationId}/messages`, { clientMsgId, type: 'text', content: { text } })
  if (res.status !== 201 && res.status !== 200) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.message
}
