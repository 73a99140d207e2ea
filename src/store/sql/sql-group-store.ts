import type { Kysely } from 'kysely'
import {
  pendingKey,
  type Group,
  type GroupBan,
  type GroupInvitation,
  type GroupJoinRequest,
  type GroupMember,
  type GroupMemberContext,
  type GroupRole,
  type LeaveReason,
} from '../../domain/groups/group.js'
import type { Message } from '../../domain/messages/message.js'
import { newId } from '../../shared/ids.js'
import type {
  AddMembersInput,
  AddMembersResult,
  GroupChange,
  GroupPatch,
  GroupStore,
  MemberPatch,
  NewGroup,
  Paging,
} from '../../domain/groups/group-store.js'
import type { GroupRules } from '../../domain/groups/group-rules.js'
import type { Capabilities } from './capabilities.js'
import type { Database, GroupsTable } from './db-schema.js'
import { bumpCounter, insertConversation, withTransaction } from './message-appender.js'
import { SqlGroupReads } from './sql-group-reads.js'
import { SqlGroupRequests } from './sql-group-requests.js'
import { SqlGroupMembers } from './sql-group-members.js'
import { GroupTx, groupAsLeft } from './sql-group-tx.js'
import { currentMemberIds, findGroup, joinValues, toGroup, toInvitation } from './sql-group-rows.js'

/**
 * The group store. Creation, profile changes and dissolution run here, each in one transaction
 * with its system message; membership changes (sql-group-members.ts), reads and
 * invitations/join requests are delegated.
 */
export class SqlGroupStore implements GroupStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities
  readonly #reads: SqlGroupReads
  readonly #requests: SqlGroupRequests
  readonly #members: SqlGroupMembers
  readonly #tx: GroupTx

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
    this.#tx = new GroupTx(caps)
    this.#reads = new SqlGroupReads(db)
    this.#requests = new SqlGroupRequests(db)
    this.#members = new SqlGroupMembers(db, this.#tx)
  }

  async create(input: NewGroup): Promise<{ group: Group; invitations: GroupInvitation[]; change: GroupChange }> {
    const memberIds = [input.ownerId, ...input.memberIds.filter((id) => id !== input.ownerId)]
    const groupRow = {
      id: input.id,
      conversation_id: input.conversationId,
      name: input.name,
      name_lower: input.name.toLowerCase(),
      avatar_file_id: input.avatarFileId,
      announcement: '',
      join_policy: input.joinPolicy,
      mute_all: 0,
      max_members: input.maxMembers,
      owner_id: input.ownerId,
      member_count: memberIds.length,
      created_at: input.now,
      updated_at: input.now,
    }
    return withTransaction(this.#db, async (trx) => {
      await trx.insertInto('groups').values(groupRow).execute()
      await insertConversation(trx, { id: input.conversationId, kind: 'group', groupId: input.id, now: input.now })
      const message = await this.#tx.system(trx, input.conversationId, input.now, {
        event: 'group_created',
        actorId: input.ownerId,
        name: input.name,
        memberIds,
      })
      await trx
        .insertInto('conversation_members')
        .values(
          memberIds.map((userId) => ({
            conversation_id: input.conversationId,
            user_id: userId,
            pinned: 0,
            muted: 0,
            silenced_until: null,
            ...joinValues(userId === input.ownerId ? 'owner' : 'member', message.seq, userId === input.ownerId, input.now),
          })),
        )
        .execute()
      const membershipVersion = await bumpCounter(trx, this.#caps, input.conversationId, 'membership_version', input.now)
      const invitationRows = [...new Set(input.inviteeIds)]
        .filter((id) => !memberIds.includes(id))
        .map((inviteeId) => ({
          id: newId(),
          group_id: input.id,
          inviter_id: input.ownerId,
          invitee_id: inviteeId,
          pending_key: pendingKey(input.id, inviteeId),
          status: 'pending',
          created_at: input.now,
          updated_at: input.now,
        }))
      if (invitationRows.length > 0) await trx.insertInto('group_invitations').values(invitationRows).execute()
      return {
        group: toGroup(groupRow),
        invitations: invitationRows.map(toInvitation),
        change: { messages: [message], membershipVersion, memberIds },
      }
    })
  }

  async updateProfile(
    groupId: string,
    actorId: string,
    patch: GroupPatch,
    now: number,
  ): Promise<{ group: Group; change: GroupChange } | null> {
    return withTransaction(this.#db, async (trx) => {
      const before = await this.#tx.lockGroup(trx, groupId)
      if (!before) return null
      const changes: Record<string, unknown> = {}
      const values: Partial<GroupsTable> = {}
      if (patch.name !== undefined && patch.name !== before.name) {
        changes.name = values.name = patch.name
        values.name_lower = patch.name.toLowerCase()
      }
      if (patch.avatarFileId !== undefined && patch.avatarFileId !== before.avatarFileId)
        changes.avatarFileId = values.avatar_file_id = patch.avatarFileId
      if (patch.announcement !== undefined && patch.announcement !== before.announcement) {
        changes.announcement = values.announcement = patch.announcement
      }
      if (patch.joinPolicy !== undefined && patch.joinPolicy !== before.joinPolicy)
        changes.joinPolicy = values.join_policy = patch.joinPolicy
      if (patch.muteAll !== undefined && patch.muteAll !== before.muteAll) {
        changes.muteAll = patch.muteAll
        values.mute_all = patch.muteAll ? 1 : 0
      }
      const messages: Message[] = []
      if (Object.keys(changes).length > 0) {
        await trx
          .updateTable('groups')
          .set({ ...values, updated_at: now })
          .where('id', '=', groupId)
          .execute()
        messages.push(await this.#tx.system(trx, before.conversationId, now, { event: 'group_updated', actorId, changes }))
      }
      const group = (await findGroup(trx, groupId))!
      // mute-all is a send fact: bump the version so cached facts are checked again (SendFactsCache)
      return { group, change: await this.#tx.change(trx, group, messages, changes.muteAll !== undefined, now) }
    })
  }

  async dissolve(
    groupId: string,
    actorId: string,
    now: number,
  ): Promise<{ group: Group; change: GroupChange; formerMemberIds: string[] } | null> {
    return withTransaction(this.#db, async (trx) => {
      const group = await this.#tx.lockGroup(trx, groupId)
      if (!group) return null
      const formerMemberIds = await currentMemberIds(trx, group.conversationId)
      const message = await this.#tx.system(trx, group.conversationId, now, { event: 'group_dissolved', actorId, name: group.name })
      await trx
        .updateTable('conversation_members')
        .set({ left_seq: message.seq, updated_at: now, ...groupAsLeft(group) })
        .where('conversation_id', '=', group.conversationId)
        .where('left_seq', 'is', null)
        .execute()
      await trx.deleteFrom('group_bans').where('group_id', '=', groupId).execute()
      await trx.deleteFrom('group_invitations').where('group_id', '=', groupId).execute()
      await trx.deleteFrom('group_join_requests').where('group_id', '=', groupId).execute()
      await trx.deleteFrom('groups').where('id', '=', groupId).execute()
      const membershipVersion = await bumpCounter(trx, this.#caps, group.conversationId, 'membership_version', now)
      return {
        group: { ...group, memberCount: 0, updatedAt: now },
        change: { messages: [message], membershipVersion, memberIds: [] },
        formerMemberIds,
      }
    })
  }

  async liftBan(groupId: string, userId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('group_bans').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  addMembers(input: AddMembersInput, rules: GroupRules): Promise<AddMembersResult> {
    return this.#members.addMembers(input, rules)
  }

  removeMember(
    input: { groupId: string; userId: string; actorId: string; reason: LeaveReason; now: number },
    rules: GroupRules,
  ): Promise<GroupChange> {
    return this.#members.removeMember(input, rules)
  }

  ban(groupId: string, userId: string, actorId: string, now: number, rules: GroupRules): Promise<boolean> {
    return this.#members.ban(groupId, userId, actorId, now, rules)
  }

  updateMember(
    groupId: string,
    userId: string,
    patch: MemberPatch,
    actorId: string,
    now: number,
    rules: GroupRules,
  ): Promise<{ member: GroupMember; change: GroupChange | null }> {
    return this.#members.updateMember(groupId, userId, patch, actorId, now, rules)
  }

  transfer(groupId: string, fromId: string, toId: string, now: number, rules: GroupRules): Promise<{ group: Group; change: GroupChange }> {
    return this.#members.transfer(groupId, fromId, toId, now, rules)
  }

  async setMaxMembers(groupId: string, maxMembers: number, now: number): Promise<Group | null> {
    await this.#db.updateTable('groups').set({ max_members: maxMembers, updated_at: now }).where('id', '=', groupId).execute()
    return this.#reads.findById(groupId)
  }

  // reads, invitations and join requests: delegated

  findById(id: string): Promise<Group | null> {
    return this.#reads.findById(id)
  }

  access(groupId: string, userId: string): Promise<{ group: Group; member: GroupMember | null; banned: boolean } | null> {
    return this.#reads.access(groupId, userId)
  }

  listForUser(userId: string, page: Paging): Promise<Array<{ group: Group; role: GroupRole }>> {
    return this.#reads.listForUser(userId, page)
  }

  search(prefix: string, page: Paging): Promise<Group[]> {
    return this.#reads.search(prefix, page)
  }

  listBans(groupId: string, page: Paging): Promise<GroupBan[]> {
    return this.#reads.listBans(groupId, page)
  }

  findMember(groupId: string, userId: string): Promise<GroupMember | null> {
    return this.#reads.findMember(groupId, userId)
  }

  listMembers(groupId: string, page: Paging): Promise<GroupMember[]> {
    return this.#reads.listMembers(groupId, page)
  }

  managerIds(groupId: string): Promise<string[]> {
    return this.#reads.managerIds(groupId)
  }

  standing(groupId: string, userIds: readonly string[]): Promise<{ memberIds: Set<string>; bannedIds: Set<string> }> {
    return this.#reads.standing(groupId, userIds)
  }

  memberContext(conversationId: string, userId: string): Promise<GroupMemberContext | null> {
    return this.#reads.memberContext(conversationId, userId)
  }

  ownedGroupIds(userId: string): Promise<string[]> {
    return this.#reads.ownedGroupIds(userId)
  }

  memberGroupIds(userId: string): Promise<string[]> {
    return this.#reads.memberGroupIds(userId)
  }

  successor(groupId: string, excludeUserId: string): Promise<string | null> {
    return this.#reads.successor(groupId, excludeUserId)
  }

  createInvitations(
    groupId: string,
    inviterId: string,
    inviteeIds: readonly string[],
    now: number,
  ): Promise<Array<{ invitation: GroupInvitation; created: boolean }>> {
    return this.#requests.createInvitations(groupId, inviterId, inviteeIds, now)
  }

  findInvitation(id: string): Promise<GroupInvitation | null> {
    return this.#requests.findInvitation(id)
  }

  listInvitationsFor(userId: string, page: Paging): Promise<GroupInvitation[]> {
    return this.#requests.listInvitationsFor(userId, page)
  }

  answerInvitation(id: string, status: 'accepted' | 'rejected', now: number): Promise<boolean> {
    return this.#requests.answerInvitation(id, status, now)
  }

  createJoinRequest(
    groupId: string,
    userId: string,
    message: string,
    now: number,
  ): Promise<{ request: GroupJoinRequest; created: boolean }> {
    return this.#requests.createJoinRequest(groupId, userId, message, now)
  }

  findJoinRequest(id: string): Promise<GroupJoinRequest | null> {
    return this.#requests.findJoinRequest(id)
  }

  listJoinRequests(groupId: string, page: Paging): Promise<GroupJoinRequest[]> {
    return this.#requests.listJoinRequests(groupId, page)
  }

  rejectJoinRequest(id: string, deciderId: string, now: number): Promise<boolean> {
    return this.#requests.rejectJoinRequest(id, deciderId, now)
  }
}
