import type { TestUser } from './api-client.js'

/** Every message of a conversation a user may see, oldest first, paged through the real API. */
export async function fullHistory(user: TestUser, conversationId: string): Promise<any[]> {
  const items: any[] = []
  let after = 0
  for (;;) {
    const res = await user.api.get(`/conversations/${conversationId}/messages?after=${after}&limit=200`)
    if (res.status !== 200) throw new Error(`history failed: ${res.status} ${JSON.stringify(res.body)}`)
    items.push(...res.body.items)
    if (!res.body.hasMore || !res.body.items.length) return items
    after = res.body.items.at(-1).seq
  }
}
