import type { Kysely, Selectable, Transaction } from 'kysely'
import type {
  Group,
  GroupBan,
  GroupInvitation,
  GroupJoinRequest,
  GroupMember,
  GroupRole,
  InvitationStatus,
  JoinPolicy,
  JoinRequestStatus,
} from '../../domain/groups/group.js'
import type {
  ConversationMembersTable,
  Database,
  GroupBansTable,
  GroupInvitationsTable,
  GroupJoinRequestsTable,
  GroupsTable,
} from './db-schema.js'

/** Row mappers and small queries the group repositories share (inside a transaction or not). */

export type Db = Kysely<Database> | Transaction<Database>

export function toGroup(row: Selectable<GroupsTable>): Group {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    name: row.name,
    avatarFileId: row.avatar_file_id,
    announcement: row.announcement,
    joinPolicy: row.join_policy as JoinPolicy,
    muteAll: Number(row.mute_all) === 1,
    maxMembers: Number(row.max_members),
    ownerId: row.owner_id,
    memberCount: Number(row.member_count),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

export function toMember(groupId: string, row: Selectable<ConversationMembersTable>): GroupMember {
  return {
    groupId,
    userId: row.user_id,
    role: row.role as GroupRole,
    groupNickname: row.group_nickname,
    silencedUntil: row.silenced_until == null ? null : Number(row.silenced_until),
    joinSeq: Number(row.join_seq),
    joinedAt: Number(row.joined_at),
  }
}

export function toInvitation(row: Selectable<GroupInvitationsTable>): GroupInvitation {
  return {
    id: row.id,
    groupId: row.group_id,
    inviterId: row.inviter_id,
    inviteeId: row.invitee_id,
    status: row.status as InvitationStatus,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

export function toJoinRequest(row: Selectable<GroupJoinRequestsTable>): GroupJoinRequest {
  return {
    id: row.id,
    groupId: row.group_id,
    userId: row.user_id,
    message: row.message,
    status: row.status as JoinRequestStatus,
    decidedBy: row.decided_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

export function toBan(row: Selectable<GroupBansTable>): GroupBan {
  return { groupId: row.group_id, userId: row.user_id, bannedBy: row.banned_by, createdAt: Number(row.created_at) }
}

/**
 * Column values of a membership that starts at `seq` (the message announcing it). Nothing
 * before it is visible, so `cleared_seq` starts just below; a member who joined by their own
 * hand has read the notice, one added by someone else finds it unread.
 */
export function joinValues(role: GroupRole, seq: number, selfJoined: boolean, now: number) {
  return {
    role,
    join_seq: seq,
    left_seq: null,
    left_group_name: null,
    left_group_avatar_file_id: null,
    read_seq: selfJoined ? seq : seq - 1,
    cleared_seq: seq - 1,
    group_nickname: '',
    joined_at: now,
    updated_at: now,
  }
}

export async function findGroup(db: Db, groupId: string): Promise<Group | null> {
  const row = await db.selectFrom('groups').selectAll().where('id', '=', groupId).executeTakeFirst()
  return row ? toGroup(row) : null
}

/** The user's current membership of the group, or null. */
export async function currentMember(db: Db, group: Group, userId: string): Promise<GroupMember | null> {
  const row = await db
    .selectFrom('conversation_members')
    .selectAll()
    .where('conversation_id', '=', group.conversationId)
    .where('user_id', '=', userId)
    .where('left_seq', 'is', null)
    .executeTakeFirst()
  return row ? toMember(group.id, row) : null
}

export async function currentMemberIds(db: Db, conversationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('conversation_members')
    .select('user_id')
    .where('conversation_id', '=', conversationId)
    .where('left_seq', 'is', null)
    .orderBy('user_id')
    .execute()
  return rows.map((r) => r.user_id)
}
