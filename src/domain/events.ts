import type { MessageView } from './messages/message-view.js'
import type { FriendRequestAnswer, FriendRequestPayload } from './friends/friend.js'
import type { GroupEvent } from './groups/group-events.js'

/**
 * Events pushed to users' sockets. The `type` is the WebSocket frame type of the API contract;
 * each capability adds its own members to `UserEvent`, so a misspelt type fails to compile.
 */
export type UserEvent =
  | { type: 'presence'; userId: string; status: 'online' | 'away' | 'busy' | 'offline'; connected: boolean }
  | { type: 'session.revoked'; reason: string }
  | { type: 'user.updated'; user: unknown }
  | { type: 'friend.request'; request: FriendRequestPayload }
  | { type: 'friend.request_updated'; request: FriendRequestPayload; status: FriendRequestAnswer }
  | { type: 'friend.removed'; userId: string }
  | { type: 'message.created'; message: MessageView }
  | GroupEvent
  | { type: string & {}; [field: string]: unknown }

/** Where a cluster event goes. Every instance receives every event and routes locally. */
export type Route =
  /** all sockets of these users */
  | { users: readonly string[] }
  /** sockets of current members of a conversation (checked at push time) */
  | { conversationId: string; membershipVersion: number }

/** What travels through the broker between instances. */
export type ClusterEvent =
  | { kind: 'push'; route: Route; event: UserEvent; exceptSessionId?: string }
  /** sessions revoked (or 'all' of the user): evict caches, tell and close their sockets */
  | { kind: 'sessions.revoked'; userId: string; sessionIds: readonly string[] | 'all'; reason: string }
  /** a user's profile, role or state changed: evict cached copies */
  | { kind: 'user.changed'; userId: string }
