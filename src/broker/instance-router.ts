import type { ClusterEvent } from '../domain/events.js'
import type { MemberRangesCache } from '../domain/conversations/member-ranges-cache.js'

/** Where the broker sends one event: every instance, or only these instance ids. */
export type RouteTargets = 'all' | readonly string[]

/** Decides, per event, which instances must receive it. */
export type EventRouter = (event: ClusterEvent) => Promise<RouteTargets>

/**
 * Conversations with more members (current and past) than this are broadcast: looking up every
 * member's instances would cost Redis more than sending the event to every instance. The world
 * channel (everyone is a member) is always past it.
 */
export const ROUTED_MAX_MEMBERS = 1000

/**
 * Targeted routing: an event goes only to the instances that hold a socket of one of its
 * recipients, read from the presence registry (`instancesOf`) at publish time.
 *
 * - `push` to users: their instances. `push` to a conversation: the instances of its members
 *   (all member rows, past ones too: a removed member still gets their removal notice; the
 *   receiving fan-out applies the visible-range rule), unless it has more than
 *   `ROUTED_MAX_MEMBERS` members; then every instance.
 * - `sessions.revoked` and `user.changed` evict caches on every instance: always broadcast.
 * - When a lookup fails (Redis or the database does not answer) the event is broadcast:
 *   routing never loses an event the broadcast would have delivered.
 *
 * Why nothing is lost when a recipient connects elsewhere mid-flight: a socket is registered in
 * the registry before the gateway serves any of its frames (its `ready` and `resume`), and a
 * message is stored before its route is looked up. So either the lookup sees the new socket
 * (the event is sent to its instance) or it ran before the registration, hence after the store,
 * and the socket's `resume`, which reads the database after the registration, returns it. The
 * fan-out's per-socket seq dedupe makes that exactly once.
 */
export function createInstanceRouter(deps: {
  members: MemberRangesCache
  instancesOf: (userIds: readonly string[]) => Promise<readonly string[]>
  maxRoutedMembers?: number
}): EventRouter {
  const max = deps.maxRoutedMembers ?? ROUTED_MAX_MEMBERS
  return async (event) => {
    if (event.kind !== 'push') return 'all'
    const { route } = event
    try {
      if ('users' in route) return await deps.instancesOf(route.users)
      const members = await deps.members.at(route.conversationId, route.membershipVersion)
      if (members.ranges.size > max) return 'all'
      return await deps.instancesOf([...members.ranges.keys()])
    } catch {
      return 'all'
    }
  }
}
