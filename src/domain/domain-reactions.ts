import type { ConversationService } from './conversations/conversation-service.js'
import type { DomainEvents } from './domain-events.js'
import type { GroupService } from './groups/group-service.js'
import type { MessageService } from './messages/message-service.js'
import type { PresenceService } from './users/presence-service.js'
import type { ProfileNotifier } from './users/profile-notifier.js'

/** Who reacts to which domain event: the one place capabilities are chained together. */
export function subscribeDomainReactions(
  events: DomainEvents,
  s: {
    presence: PresenceService
    groups: GroupService
    messages: MessageService
    conversations: ConversationService
    profiles: ProfileNotifier
  },
): void {
  // every active user is a world member from registration: its pushes reach them with no prior call
  events.on('user.registered', async ({ userId }) => {
    await s.conversations.joinWorld(userId)
  })
  // a new name or avatar shows live for friends, direct peers and members of shared groups
  events.on('user.profile_changed', ({ userId }) => s.profiles.changed(userId))
  // a status chosen with PATCH /me is presence too: friends hear it
  events.on('user.status_changed', ({ userId }) => s.presence.publish(userId))
  // a deleted account's groups pass to the longest-standing admin/member (or are dissolved), and it leaves the rest
  events.on('account.deleted', ({ userId }) => s.groups.handleAccountDeleted(userId))
  // a friend request's greeting becomes the first direct message, from the requester
  events.on('friend.accepted', (request) => s.messages.postGreeting(request))
  // the remover may ask to clear their copy of the direct history
  events.on('friend.removed', (removed) => s.conversations.friendshipEnded(removed))
}
