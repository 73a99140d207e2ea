/** Who a member is in a group; the rank rule compares these. */
export const GROUP_ROLES = ['owner', 'admin', 'member'] as const
export type GroupRole = (typeof GROUP_ROLES)[number]

/** How outsiders get in: `open` (join at once), `approval` (a join request admins decide), `invite` (invitation only). */
export const JOIN_POLICIES = ['open', 'approval', 'invite'] as const
export type JoinPolicy = (typeof JOIN_POLICIES)[number]

export interface Group {
  id: string
  conversationId: string
  name: string
  avatarFileId: string | null
  announcement: string
  joinPolicy: JoinPolicy
  /** while true only owner and admins may speak */
  muteAll: boolean
  maxMembers: number
  ownerId: string
  /** current members, kept exact in the transaction of every membership change */
  memberCount: number
  createdAt: number
  updatedAt: number
}

/** A current member of a group. */
export interface GroupMember {
  groupId: string
  userId: string
  role: GroupRole
  groupNickname: string
  /** the group mute set by owner/admins: may not speak before this time (null: not muted) */
  silencedUntil: number | null
  /** seq of the system message that announced this membership */
  joinSeq: number
  joinedAt: number
}

export interface GroupBan {
  groupId: string
  userId: string
  bannedBy: string
  createdAt: number
}

export type InvitationStatus = 'pending' | 'accepted' | 'rejected' | 'cancelled'

export interface GroupInvitation {
  id: string
  groupId: string
  inviterId: string
  inviteeId: string
  status: InvitationStatus
  createdAt: number
  updatedAt: number
}

export type JoinRequestStatus = 'pending' | 'approved' | 'rejected' | 'cancelled'

export interface GroupJoinRequest {
  id: string
  groupId: string
  userId: string
  message: string
  status: JoinRequestStatus
  decidedBy: string | null
  createdAt: number
  updatedAt: number
}

/**
 * What the send path needs to know about a sender in a group conversation. `isMember` is
 * false for former members (they keep `role` of their last membership, which means nothing).
 */
export interface GroupMemberContext {
  groupId: string
  isMember: boolean
  role: GroupRole | null
  /** the sender's own group mute (owner/admin set it), epoch ms; speaking is refused before it */
  silencedUntil: number | null
  /** the whole group is muted: only owner and admins may speak */
  muteAll: boolean
}

/** How a member left: on their own, removed by rank, or removed and banned. */
export type LeaveReason = 'left' | 'removed' | 'banned'

/** How a user came in, for the `member_joined` system message. */
export type JoinVia = 'join' | 'invitation' | 'request' | 'added'

const RANK: Record<GroupRole, number> = { owner: 3, admin: 2, member: 1 }

/** owner > admin > member */
export function rankOf(role: GroupRole): number {
  return RANK[role]
}

/** The rank rule: an actor may act on a member only of strictly lower rank. */
export function outranks(actor: GroupRole, target: GroupRole): boolean {
  return RANK[actor] > RANK[target]
}

export function isManager(role: GroupRole): boolean {
  return role === 'owner' || role === 'admin'
}

/** `groupId:userId`, the unique key of a pending invitation or join request. */
export function pendingKey(groupId: string, userId: string): string {
  return `${groupId}:${userId}`
}
