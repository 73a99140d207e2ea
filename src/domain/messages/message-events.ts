import type { ClusterEvent } from '../events.js'
import type { Message } from './message.js'
import { messageView } from './message-view.js'

/**
 * The cluster event for a stored message: routed by conversation, so each instance pushes it
 * to the local sockets of users whose membership range contains `seq` (checked at push time
 * against the member cache of `membershipVersion`).
 */
export function messageCreatedEvent(message: Message, membershipVersion: number): ClusterEvent {
  return {
    kind: 'push',
    route: { conversationId: message.conversationId, membershipVersion },
    event: { type: 'message.created', message: messageView(message) },
  }
}
