import { toIso } from '../../shared/clock.js'
import { toPublicUser, type PublicUser, type User } from '../users/user.js'
import type { Group, GroupBan, GroupInvitation, GroupJoinRequest, GroupMember, GroupRole } from './group.js'

/**
 * Groups as clients see them, over HTTP and WebSocket alike. Members see the whole profile;
 * anyone else (search, open/approval groups) only the public part.
 */
export function groupView(group: Group, audience: { member: false } | { member: true; myRole?: GroupRole }) {
  const base = {
    id: group.id,
    name: group.name,
    avatarFileId: group.avatarFileId,
    joinPolicy: group.joinPolicy,
    memberCount: group.memberCount,
    maxMembers: group.maxMembers,
    createdAt: toIso(group.createdAt)!,
  }
  if (!audience.member) return base
  return {
    ...base,
    conversationId: group.conversationId,
    announcement: group.announcement,
    muteAll: group.muteAll,
    ownerId: group.ownerId,
    updatedAt: toIso(group.updatedAt)!,
    ...(audience.myRole ? { myRole: audience.myRole } : {}),
  }
}

export type GroupView = ReturnType<typeof groupView>

/** A placeholder for a user row that is gone (never expected: accounts are soft-deleted). */
function publicOrGone(userId: string, user: User | undefined): PublicUser {
  return user
    ? toPublicUser(user)
    : { id: userId, username: 'deleted', nickname: 'Deleted user', bio: '', avatarFileId: null, deleted: true }
}

/** A member with their public profile; `mutedUntil` is null once the mute has run out. */
export function memberView(member: GroupMember, user: User | undefined, now: number) {
  return {
    userId: member.userId,
    role: member.role,
    groupNickname: member.groupNickname,
    mutedUntil: member.silencedUntil !== null && member.silencedUntil > now ? toIso(member.silencedUntil) : null,
    joinedAt: toIso(member.joinedAt)!,
    user: publicOrGone(member.userId, user),
  }
}

export type MemberView = ReturnType<typeof memberView>

export function invitationView(invitation: GroupInvitation, group: Group, inviter: User | undefined) {
  return {
    id: invitation.id,
    groupId: invitation.groupId,
    group: groupView(group, { member: false }),
    inviter: publicOrGone(invitation.inviterId, inviter),
    status: invitation.status,
    createdAt: toIso(invitation.createdAt)!,
  }
}

export type InvitationView = ReturnType<typeof invitationView>

export function joinRequestView(request: GroupJoinRequest, user: User | undefined) {
  return {
    id: request.id,
    groupId: request.groupId,
    user: publicOrGone(request.userId, user),
    message: request.message,
    status: request.status,
    createdAt: toIso(request.createdAt)!,
  }
}

export type JoinRequestView = ReturnType<typeof joinRequestView>

export function banView(ban: GroupBan, user: User | undefined) {
  return {
    userId: ban.userId,
    user: publicOrGone(ban.userId, user),
    bannedBy: ban.bannedBy,
    createdAt: toIso(ban.createdAt)!,
  }
}
