import type { Message } from '@jim/client'
import type { TestUser } from './api-client.js'

/** Every message of a conversation a user may see, oldest first, paged through the real API. */
export async function fullHistory(user: TestUser, conversationId: string): Promise<Message[]> {
  const items: Message[] = []
  let after = 0
  for (;;) {
    const page = await user.api.sdk.messages(conversationId, { after, limit: 200 })
    items.push(...page.items)
    if (!page.hasMore || !page.items.length) return items
    after = page.items.at(-1)!.seq
  }
}
