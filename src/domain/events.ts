import type { ServerFrame } from '@jim/protocol'

/**
 * Events pushed to users' sockets: frames of the wire contract (@jim/protocol's closed
 * `ServerFrame` union), so a misspelt type or a missing field fails to compile.
 */
export type UserEvent = ServerFrame

/** Where a cluster event goes. Every instance receives every event and routes locally. */
export type Route =
  /** all sockets of these users */
  | { users: readonly string[] }
  /** sockets of current members of a conversation (checked at push time) */
  | { conversationId: string; membershipVersion: number }

/** What travels through the broker between instances. */
export type ClusterEvent =
  | {
      kind: 'push'
      route: Route
      event: UserEvent
      exceptSessionId?: string
      /** only this socket of the (one) routed user: call signalling addressed to one device */
      connectionId?: string
    }
  /** sessions revoked (or 'all' of the user): evict caches, tell and close their sockets */
  | { kind: 'sessions.revoked'; userId: string; sessionIds: readonly string[] | 'all'; reason: string }
  /** a user's profile, role or state changed: evict cached copies */
  | { kind: 'user.changed'; userId: string }
  /** a user registered a device for Web Push: every instance's notifier starts considering pushes */
  | { kind: 'push.subscribed'; userId: string }
