import { describe, expect, it } from 'vitest'
import { createInstanceRouter } from '../../src/broker/instance-router.js'
import type { MemberRangesCache } from '../../src/domain/conversations/member-ranges-cache.js'
import type { ClusterEvent, UserEvent } from '../../src/domain/events.js'

const event = { type: 'typing', conversationId: 'c', userId: 'u' } as unknown as UserEvent
const toConversation = (conversationId: string): ClusterEvent => ({ kind: 'push', route: { conversationId, membershipVersion: 1 }, event })

/** Members per conversation, and which instance holds which user's sockets. */
function router(
  members: Record<string, string[]>,
  socketsOn: Record<string, string>,
  options: { failLookups?: boolean; max?: number } = {},
) {
  const looked: string[][] = []
  const cache = {
    at: async (conversationId: string) => ({
      version: 1,
      ranges: new Map((members[conversationId] ?? []).map((u) => [u, { joinSeq: 1, leftSeq: null }])),
    }),
  } as unknown as MemberRangesCache
  const route = createInstanceRouter({
    members: cache,
    maxRoutedMembers: options.max,
    instancesOf: async (userIds) => {
      if (options.failLookups) throw new Error('redis down')
      looked.push([...userIds])
      return [...new Set(userIds.flatMap((u) => (socketsOn[u] ? [socketsOn[u]] : [])))]
    },
  })
  return { route, looked }
}

describe('instance router', () => {
  it("should route a conversation's events to the instances of its members only, and users' events to theirs", async () => {
    const { route } = router({ g: ['ana', 'bo', 'cy'] }, { ana: 'i1', bo: 'i2', dee: 'i3' })
    expect(await route(toConversation('g'))).toEqual(['i1', 'i2'])
    expect(await route({ kind: 'push', route: { users: ['dee', 'zed'] }, event })).toEqual(['i3'])
  })

  it('should broadcast cache evictions, conversations past the member limit, and whatever it could not look up', async () => {
    expect(await router({}, {}).route({ kind: 'user.changed', userId: 'ana' })).toBe('all')
    expect(await router({}, {}).route({ kind: 'sessions.revoked', userId: 'ana', sessionIds: 'all', reason: 'logout' })).toBe('all')
    const big = router({ world: ['a', 'b', 'c'] }, { a: 'i1' }, { max: 2 })
    expect(await big.route(toConversation('world'))).toBe('all')
    expect(big.looked).toEqual([])
    expect(await router({ g: ['ana'] }, { ana: 'i1' }, { failLookups: true }).route(toConversation('g'))).toBe('all')
  })
})
