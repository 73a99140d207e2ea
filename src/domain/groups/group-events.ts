import type { JoinVia, LeaveReason } from './group.js'
import type { GroupView, InvitationView, JoinRequestView, MemberView } from './group-views.js'

/**
 * WebSocket frames about groups, pushed after commit to every device of the users they concern
 * (current members; a removed user also gets `group.member_left` about themselves).
 */
export type GroupEvent =
  | { type: 'group.updated'; groupId: string; group: GroupView; actorId: string }
  | {
      type: 'group.member_joined'
      groupId: string
      userIds: string[]
      actorId: string
      via: JoinVia
      members: MemberView[]
      group: GroupView
    }
  | { type: 'group.member_left'; groupId: string; userId: string; reason: LeaveReason; actorId: string; memberCount: number }
  | {
      type: 'group.member_updated'
      groupId: string
      member: MemberView
      actorId: string
      changes: Array<'role' | 'mutedUntil' | 'groupNickname'>
    }
  | { type: 'group.dissolved'; groupId: string; name: string; actorId: string }
  /** to the invitee */
  | { type: 'group.invitation'; invitation: InvitationView }
  /** to the group's owner and admins: someone asked to join */
  | { type: 'group.join_request'; groupId: string; request: JoinRequestView }
  /** to the requester when their request is rejected (approval arrives as group.member_joined) */
  | { type: 'group.join_request_updated'; groupId: string; requestId: string; status: 'rejected' }
