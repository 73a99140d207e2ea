import type { CreateGroupBody, Message } from '@jim/client'
import type { TestUser } from './api-client.js'

/** Makes two users friends through the real API (request + accept). */
export async function befriend(a: TestUser, b: TestUser, greeting?: string): Promise<void> {
  const { request } = await a.api.sdk.sendFriendRequest(greeting ? { userId: b.id, greeting } : { userId: b.id })
  await b.api.sdk.acceptFriendRequest(request.id)
}

/** Opens the direct conversation of two friends and returns its id. */
export async function directConversation(a: TestUser, b: TestUser): Promise<string> {
  return (await a.api.sdk.direct(b.id)).id
}

let n = 0
/** Sends a text message and returns the stored message. */
export async function sendText(
  user: TestUser,
  conversationId: string,
  text: string,
  clientMsgId = `m${Date.now()}-${++n}`,
): Promise<Message> {
  return (await user.api.sdk.send(conversationId, { clientMsgId, type: 'text', content: { text } })).message
}

/** Creates a group ("Group" unless named) and returns the answer: the group and what became of each member id. */
export async function createGroup(owner: TestUser, body: Partial<CreateGroupBody> = {}) {
  const answer = await owner.api.sdk.createGroup({ name: 'Group', ...body })
  return answer as typeof answer & { group: { conversationId: string } }
}
