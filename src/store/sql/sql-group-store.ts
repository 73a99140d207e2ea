import { sql, type Kysely, type Selectable, type Transaction } from 'kysely'
import { AppError, type ErrorCode } from '../../domain/errors.js'
import {
  pendingKey,
  type Group,
  type GroupBan,
  type GroupInvitation,
  type GroupJoinRequest,
  type GroupMember,
  type GroupMemberContext,
  type GroupRole,
  type InvitationStatus,
  type JoinPolicy,
  type JoinRequestStatus,
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
} from '../group-store.js'
import { isUniqueViolation, type Capabilities } from './capabilities.js'
import type {
  ConversationMembersTable,
  Database,
  GroupBansTable,
  GroupInvitationsTable,
  GroupJoinRequestsTable,
  GroupsTable,
} from './db-schema.js'
import { appendInTx, bumpCounter, insertConversation, withTransaction } from './message-appender.js'
import { escapeLike } from './sql-user-store.js'

type Db = Kysely<Database> | Transaction<Database>

function toGroup(row: Selectable<GroupsTable>): Group {
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

function toMember(groupId: string, row: Selectable<ConversationMembersTable>): GroupMember {
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

function toInvitation(row: Selectable<GroupInvitationsTable>): GroupInvitation {
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

function toJoinRequest(row: Selectable<GroupJoinRequestsTable>): GroupJoinRequest {
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

function toBan(row: Selectable<GroupBansTable>): GroupBan {
  return { groupId: row.group_id, userId: row.user_id, bannedBy: row.banned_by, createdAt: Number(row.created_at) }
}

/**
 * Column values of a membership that starts at `seq` (the message announcing it). Nothing
 * before it is visible, so `cleared_seq` starts just below; a member who joined by their own
 * hand has read the notice, one added by someone else finds it unread.
 */
function joinValues(role: GroupRole, seq: number, selfJoined: boolean, now: number) {
  return {
    role,
    join_seq: seq,
    left_seq: null,
    read_seq: selfJoined ? seq : seq - 1,
    cleared_seq: seq - 1,
    group_nickname: '',
    joined_at: now,
    updated_at: now,
  }
}

export class SqlGroupStore implements GroupStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
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
      const message = await this.#system(trx, input.conversationId, input.now, {
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

  async findById(id: string): Promise<Group | null> {
    const row = await this.#db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toGroup(row) : null
  }

  async access(groupId: string, userId: string): Promise<{ group: Group; member: GroupMember | null; banned: boolean } | null> {
    const group = await this.findById(groupId)
    if (!group) return null
    const [member, ban] = await Promise.all([
      this.#currentMember(this.#db, group, userId),
      this.#db.selectFrom('group_bans').select('user_id').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst(),
    ])
    return { group, member, banned: ban !== undefined }
  }

  async listForUser(userId: string, page: Paging): Promise<Array<{ group: Group; role: GroupRole }>> {
    let q = this.#db
      .selectFrom('groups')
      .innerJoin('conversation_members as cm', 'cm.conversation_id', 'groups.conversation_id')
      .selectAll('groups')
      .select('cm.role as my_role')
      .where('cm.user_id', '=', userId)
      .where('cm.left_seq', 'is', null)
    if (page.after) q = q.where('groups.id', '>', page.after)
    const rows = await q.orderBy('groups.id').limit(page.limit).execute()
    return rows.map(({ my_role, ...row }) => ({ group: toGroup(row), role: my_role as GroupRole }))
  }

  async search(prefix: string, page: Paging): Promise<Group[]> {
    const like = escapeLike(prefix.toLowerCase()) + '%'
    let q = this.#db
      .selectFrom('groups')
      .selectAll()
      .where('join_policy', 'in', ['open', 'approval'])
      .where((eb) => sql<boolean>`${eb.ref('name_lower')} like ${like} escape '!'`)
    if (page.after) q = q.where('id', '>', page.after)
    const rows = await q.orderBy('id').limit(page.limit).execute()
    return rows.map(toGroup)
  }

  async updateProfile(
    groupId: string,
    actorId: string,
    patch: GroupPatch,
    now: number,
  ): Promise<{ group: Group; change: GroupChange } | null> {
    return withTransaction(this.#db, async (trx) => {
      const before = await this.#lockGroup(trx, groupId)
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
        messages.push(await this.#system(trx, before.conversationId, now, { event: 'group_updated', actorId, changes }))
      }
      const group = (await this.#findGroup(trx, groupId))!
      return { group, change: await this.#change(trx, group, messages, false, now) }
    })
  }

  async dissolve(
    groupId: string,
    actorId: string,
    now: number,
  ): Promise<{ group: Group; change: GroupChange; formerMemberIds: string[] } | null> {
    return withTransaction(this.#db, async (trx) => {
      const group = await this.#lockGroup(trx, groupId)
      if (!group) return null
      const formerMemberIds = await this.#currentMemberIds(trx, group.conversationId)
      const message = await this.#system(trx, group.conversationId, now, { event: 'group_dissolved', actorId, name: group.name })
      await trx
        .updateTable('conversation_members')
        .set({ left_seq: message.seq, updated_at: now })
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

  async addMembers(input: AddMembersInput): Promise<AddMembersResult> {
    const { groupId, actorId, now } = input
    const userIds = [...new Set(input.userIds)]
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#lockGroup(trx, groupId)
      if (!locked) throw new AppError('group.not_found')
      if (input.invitationId) {
        const answered = await trx
          .updateTable('group_invitations')
          .set({ status: 'accepted', pending_key: null, updated_at: now })
          .where('id', '=', input.invitationId)
          .where('group_id', '=', groupId)
          .where('status', '=', 'pending')
          .executeTakeFirst()
        if (Number(answered.numUpdatedRows) === 0) throw new AppError('group.already_answered')
      }
      if (input.joinRequestId) {
        const answered = await trx
          .updateTable('group_join_requests')
          .set({ status: 'approved', pending_key: null, decided_by: actorId, updated_at: now })
          .where('id', '=', input.joinRequestId)
          .where('group_id', '=', groupId)
          .where('status', '=', 'pending')
          .executeTakeFirst()
        if (Number(answered.numUpdatedRows) === 0) throw new AppError('group.already_answered')
      }
      const existing = new Map<string, Selectable<ConversationMembersTable>>()
      const bannedIds = new Set<string>()
      if (userIds.length > 0) {
        const rows = await trx
          .selectFrom('conversation_members')
          .selectAll()
          .where('conversation_id', '=', locked.conversationId)
          .where('user_id', 'in', userIds)
          .execute()
        for (const row of rows) existing.set(row.user_id, row)
        const bans = await trx
          .selectFrom('group_bans')
          .select('user_id')
          .where('group_id', '=', groupId)
          .where('user_id', 'in', userIds)
          .execute()
        for (const ban of bans) bannedIds.add(ban.user_id)
      }
      const refused: Array<{ userId: string; code: ErrorCode }> = []
      const toAdd: string[] = []
      for (const userId of userIds) {
        const row = existing.get(userId)
        if (row && row.left_seq == null) {
          refused.push({ userId, code: 'group.already_member' })
        } else if (bannedIds.has(userId)) {
          refused.push({ userId, code: 'group.banned' })
        } else if (await this.#takePlace(trx, groupId)) {
          toAdd.push(userId)
        } else {
          refused.push({ userId, code: 'group.member_limit' })
        }
      }
      if (input.all && refused.length > 0) throw new AppError(refused[0]!.code, undefined, { details: { userId: refused[0]!.userId } })
      if (toAdd.length === 0) return { group: locked, added: [], refused, change: null }

      const single = toAdd.length === 1 && input.via !== 'added'
      const message = await this.#system(
        trx,
        locked.conversationId,
        now,
        single
          ? { event: 'member_joined', userId: toAdd[0], actorId, via: input.via }
          : { event: 'members_added', userIds: toAdd, actorId },
      )
      for (const userId of toAdd) {
        const values = joinValues('member', message.seq, userId === actorId, now)
        if (existing.has(userId)) {
          await trx
            .updateTable('conversation_members')
            .set(values)
            .where('conversation_id', '=', locked.conversationId)
            .where('user_id', '=', userId)
            .execute()
        } else {
          await trx
            .insertInto('conversation_members')
            .values({ conversation_id: locked.conversationId, user_id: userId, pinned: 0, muted: 0, silenced_until: null, ...values })
            .execute()
        }
      }
      await this.#closePending(trx, groupId, toAdd, now)
      const group = (await this.#findGroup(trx, groupId))!
      const change = await this.#change(trx, group, [message], true, now)
      const added = toAdd.map((userId) => ({
        groupId,
        userId,
        role: 'member' as const,
        groupNickname: '',
        silencedUntil: existing.get(userId)?.silenced_until == null ? null : Number(existing.get(userId)!.silenced_until),
        joinSeq: message.seq,
        joinedAt: now,
      }))
      return { group, added, refused, change }
    })
  }

  async removeMember(input: { groupId: string; userId: string; actorId: string; reason: LeaveReason; now: number }): Promise<GroupChange> {
    const { groupId, userId, actorId, reason, now } = input
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#lockGroup(trx, groupId)
      if (!locked) throw new AppError('group.not_found')
      const member = await this.#currentMember(trx, locked, userId)
      if (!member) throw new AppError('group.not_member')
      if (member.role === 'owner') throw new AppError('group.owner_must_transfer')
      const message = await this.#system(trx, locked.conversationId, now, { event: 'member_left', userId, actorId, reason })
      await trx
        .updateTable('conversation_members')
        .set({ left_seq: message.seq, updated_at: now })
        .where('conversation_id', '=', locked.conversationId)
        .where('user_id', '=', userId)
        .where('left_seq', 'is', null)
        .execute()
      await trx
        .updateTable('groups')
        .set((eb) => ({ member_count: eb('member_count', '-', 1) }))
        .where('id', '=', groupId)
        .where('member_count', '>', 0)
        .execute()
      if (reason === 'banned') await this.#insertBan(trx, groupId, userId, actorId, now)
      await this.#closePending(trx, groupId, [userId], now)
      const group = (await this.#findGroup(trx, groupId))!
      return this.#change(trx, group, [message], true, now)
    })
  }

  async ban(groupId: string, userId: string, actorId: string, now: number): Promise<boolean> {
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#lockGroup(trx, groupId)
      if (!locked) throw new AppError('group.not_found')
      const created = await this.#insertBan(trx, groupId, userId, actorId, now)
      await this.#closePending(trx, groupId, [userId], now)
      return created
    })
  }

  async liftBan(groupId: string, userId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('group_bans').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async listBans(groupId: string, page: Paging): Promise<GroupBan[]> {
    let q = this.#db.selectFrom('group_bans').selectAll().where('group_id', '=', groupId)
    if (page.after) q = q.where('user_id', '>', page.after)
    const rows = await q.orderBy('user_id').limit(page.limit).execute()
    return rows.map(toBan)
  }

  async findMember(groupId: string, userId: string): Promise<GroupMember | null> {
    const group = await this.findById(groupId)
    return group ? this.#currentMember(this.#db, group, userId) : null
  }

  async listMembers(groupId: string, page: Paging): Promise<GroupMember[]> {
    let q = this.#db
      .selectFrom('conversation_members as cm')
      .innerJoin('groups', 'groups.conversation_id', 'cm.conversation_id')
      .selectAll('cm')
      .where('groups.id', '=', groupId)
      .where('cm.left_seq', 'is', null)
    if (page.after) q = q.where('cm.user_id', '>', page.after)
    const rows = await q.orderBy('cm.user_id').limit(page.limit).execute()
    return rows.map((row) => toMember(groupId, row))
  }

  async managerIds(groupId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('conversation_members as cm')
      .innerJoin('groups', 'groups.conversation_id', 'cm.conversation_id')
      .select('cm.user_id')
      .where('groups.id', '=', groupId)
      .where('cm.left_seq', 'is', null)
      .where('cm.role', 'in', ['owner', 'admin'])
      .execute()
    return rows.map((r) => r.user_id)
  }

  async standing(groupId: string, userIds: readonly string[]): Promise<{ memberIds: Set<string>; bannedIds: Set<string> }> {
    const memberIds = new Set<string>()
    const bannedIds = new Set<string>()
    if (userIds.length === 0) return { memberIds, bannedIds }
    const ids = [...new Set(userIds)]
    const members = await this.#db
      .selectFrom('conversation_members as cm')
      .innerJoin('groups', 'groups.conversation_id', 'cm.conversation_id')
      .select('cm.user_id')
      .where('groups.id', '=', groupId)
      .where('cm.left_seq', 'is', null)
      .where('cm.user_id', 'in', ids)
      .execute()
    for (const m of members) memberIds.add(m.user_id)
    const bans = await this.#db
      .selectFrom('group_bans')
      .select('user_id')
      .where('group_id', '=', groupId)
      .where('user_id', 'in', ids)
      .execute()
    for (const b of bans) bannedIds.add(b.user_id)
    return { memberIds, bannedIds }
  }

  async updateMember(
    groupId: string,
    userId: string,
    patch: MemberPatch,
    actorId: string,
    now: number,
  ): Promise<{ member: GroupMember; change: GroupChange | null }> {
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#lockGroup(trx, groupId)
      if (!locked) throw new AppError('group.not_found')
      const member = await this.#currentMember(trx, locked, userId)
      if (!member) throw new AppError('group.not_member')
      const messages: Message[] = []
      const values: Partial<ConversationMembersTable> = {}
      let roleChanged = false
      if (patch.role !== undefined && patch.role !== member.role) {
        if (member.role === 'owner') throw new AppError('group.forbidden', 'Transfer ownership to change the owner’s role.')
        values.role = patch.role
        roleChanged = true
        messages.push(
          await this.#system(trx, locked.conversationId, now, { event: 'member_role_changed', userId, role: patch.role, actorId }),
        )
      }
      const mutedUntil = member.silencedUntil !== null && member.silencedUntil > now ? member.silencedUntil : null
      if (patch.silencedUntil !== undefined && patch.silencedUntil !== mutedUntil) {
        values.silenced_until = patch.silencedUntil
        messages.push(
          await this.#system(
            trx,
            locked.conversationId,
            now,
            patch.silencedUntil === null
              ? { event: 'member_unmuted', userId, actorId }
              : { event: 'member_muted', userId, actorId, until: new Date(patch.silencedUntil).toISOString() },
          ),
        )
      }
      if (patch.groupNickname !== undefined) values.group_nickname = patch.groupNickname
      if (Object.keys(values).length > 0) {
        await trx
          .updateTable('conversation_members')
          .set({ ...values, updated_at: now })
          .where('conversation_id', '=', locked.conversationId)
          .where('user_id', '=', userId)
          .execute()
      }
      const after = (await this.#currentMember(trx, locked, userId))!
      const change = messages.length > 0 ? await this.#change(trx, locked, messages, roleChanged, now) : null
      return { member: after, change }
    })
  }

  async transfer(groupId: string, fromId: string, toId: string, now: number): Promise<{ group: Group; change: GroupChange }> {
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#lockGroup(trx, groupId)
      if (!locked) throw new AppError('group.not_found')
      if (locked.ownerId !== fromId) throw new AppError('group.forbidden', 'Only the owner can transfer the group.')
      const to = await this.#currentMember(trx, locked, toId)
      if (!to) throw new AppError('group.not_member', 'The new owner must be a member of the group.')
      const message = await this.#system(trx, locked.conversationId, now, { event: 'owner_transferred', fromId, toId, actorId: fromId })
      // nobody outranks an owner, so a mute left from before could never be lifted
      await trx
        .updateTable('conversation_members')
        .set({ role: 'owner', silenced_until: null, updated_at: now })
        .where('conversation_id', '=', locked.conversationId)
        .where('user_id', '=', toId)
        .execute()
      await trx
        .updateTable('conversation_members')
        .set({ role: 'admin', updated_at: now })
        .where('conversation_id', '=', locked.conversationId)
        .where('user_id', '=', fromId)
        .where('left_seq', 'is', null)
        .execute()
      await trx.updateTable('groups').set({ owner_id: toId, updated_at: now }).where('id', '=', groupId).execute()
      const group = (await this.#findGroup(trx, groupId))!
      return { group, change: await this.#change(trx, group, [message], true, now) }
    })
  }

  async setMaxMembers(groupId: string, maxMembers: number, now: number): Promise<Group | null> {
    await this.#db.updateTable('groups').set({ max_members: maxMembers, updated_at: now }).where('id', '=', groupId).execute()
    return this.findById(groupId)
  }

  async createInvitations(
    groupId: string,
    inviterId: string,
    inviteeIds: readonly string[],
    now: number,
  ): Promise<Array<{ invitation: GroupInvitation; created: boolean }>> {
    const out: Array<{ invitation: GroupInvitation; created: boolean }> = []
    for (const inviteeId of new Set(inviteeIds)) {
      const key = pendingKey(groupId, inviteeId)
      const pending = await this.#pendingInvitation(key)
      if (pending) {
        out.push({ invitation: pending, created: false })
        continue
      }
      const row = {
        id: newId(),
        group_id: groupId,
        inviter_id: inviterId,
        invitee_id: inviteeId,
        pending_key: key,
        status: 'pending',
        created_at: now,
        updated_at: now,
      }
      try {
        await this.#db.insertInto('group_invitations').values(row).execute()
        out.push({ invitation: toInvitation(row), created: true })
      } catch (err) {
        // a concurrent invite of the same person won
        const won = isUniqueViolation(err) ? await this.#pendingInvitation(key) : null
        if (!won) throw err
        out.push({ invitation: won, created: false })
      }
    }
    return out
  }

  async findInvitation(id: string): Promise<GroupInvitation | null> {
    const row = await this.#db.selectFrom('group_invitations').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toInvitation(row) : null
  }

  async listInvitationsFor(userId: string, page: Paging): Promise<GroupInvitation[]> {
    let q = this.#db.selectFrom('group_invitations').selectAll().where('invitee_id', '=', userId).where('status', '=', 'pending')
    if (page.after) q = q.where('id', '<', page.after)
    const rows = await q.orderBy('id', 'desc').limit(page.limit).execute()
    return rows.map(toInvitation)
  }

  async answerInvitation(id: string, status: 'accepted' | 'rejected', now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('group_invitations')
      .set({ status, pending_key: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async createJoinRequest(
    groupId: string,
    userId: string,
    message: string,
    now: number,
  ): Promise<{ request: GroupJoinRequest; created: boolean }> {
    const key = pendingKey(groupId, userId)
    const pending = await this.#pendingJoinRequest(key)
    if (pending) return { request: pending, created: false }
    const row = {
      id: newId(),
      group_id: groupId,
      user_id: userId,
      pending_key: key,
      message,
      status: 'pending',
      decided_by: null,
      created_at: now,
      updated_at: now,
    }
    try {
      await this.#db.insertInto('group_join_requests').values(row).execute()
      return { request: toJoinRequest(row), created: true }
    } catch (err) {
      const won = isUniqueViolation(err) ? await this.#pendingJoinRequest(key) : null
      if (!won) throw err
      return { request: won, created: false }
    }
  }

  async findJoinRequest(id: string): Promise<GroupJoinRequest | null> {
    const row = await this.#db.selectFrom('group_join_requests').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toJoinRequest(row) : null
  }

  async listJoinRequests(groupId: string, page: Paging): Promise<GroupJoinRequest[]> {
    let q = this.#db.selectFrom('group_join_requests').selectAll().where('group_id', '=', groupId).where('status', '=', 'pending')
    if (page.after) q = q.where('id', '>', page.after)
    const rows = await q.orderBy('id').limit(page.limit).execute()
    return rows.map(toJoinRequest)
  }

  async rejectJoinRequest(id: string, deciderId: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('group_join_requests')
      .set({ status: 'rejected', pending_key: null, decided_by: deciderId, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async memberContext(conversationId: string, userId: string): Promise<GroupMemberContext | null> {
    const row = await this.#db
      .selectFrom('groups')
      .leftJoin('conversation_members as cm', (join) =>
        join.onRef('cm.conversation_id', '=', 'groups.conversation_id').on('cm.user_id', '=', userId),
      )
      .select(['groups.id as group_id', 'groups.mute_all', 'cm.role', 'cm.silenced_until', 'cm.left_seq', 'cm.user_id'])
      .where('groups.conversation_id', '=', conversationId)
      .executeTakeFirst()
    if (!row) return null
    const isMember = row.user_id != null && row.left_seq == null
    return {
      groupId: row.group_id,
      isMember,
      role: isMember ? (row.role as GroupRole) : null,
      silencedUntil: row.silenced_until == null ? null : Number(row.silenced_until),
      muteAll: Number(row.mute_all) === 1,
    }
  }

  async ownedGroupIds(userId: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('groups').select('id').where('owner_id', '=', userId).orderBy('id').execute()
    return rows.map((r) => r.id)
  }

  async memberGroupIds(userId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('groups')
      .innerJoin('conversation_members as cm', 'cm.conversation_id', 'groups.conversation_id')
      .select('groups.id')
      .where('cm.user_id', '=', userId)
      .where('cm.left_seq', 'is', null)
      .orderBy('groups.id')
      .execute()
    return rows.map((r) => r.id)
  }

  async successor(groupId: string, excludeUserId: string): Promise<string | null> {
    for (const role of ['admin', 'member'] as const) {
      const row = await this.#db
        .selectFrom('conversation_members as cm')
        .innerJoin('groups', 'groups.conversation_id', 'cm.conversation_id')
        .select('cm.user_id')
        .where('groups.id', '=', groupId)
        .where('cm.left_seq', 'is', null)
        .where('cm.role', '=', role)
        .where('cm.user_id', '!=', excludeUserId)
        .orderBy('cm.joined_at')
        .orderBy('cm.user_id')
        .limit(1)
        .executeTakeFirst()
      if (row) return row.user_id
    }
    return null
  }

  /**
   * Takes the group row's lock for the rest of the transaction (a no-op update), so every
   * membership change of one group runs one after another and reads after it are current.
   * Lock order everywhere: group row, then the conversation counter row, then member rows.
   */
  async #lockGroup(trx: Transaction<Database>, groupId: string): Promise<Group | null> {
    await trx
      .updateTable('groups')
      .set((eb) => ({ member_count: eb.ref('member_count') }))
      .where('id', '=', groupId)
      .execute()
    return this.#findGroup(trx, groupId)
  }

  /** One place more, only while below the limit: the conditional update is the limit's guard. */
  async #takePlace(trx: Transaction<Database>, groupId: string): Promise<boolean> {
    const result = await trx
      .updateTable('groups')
      .set((eb) => ({ member_count: eb('member_count', '+', 1) }))
      .where('id', '=', groupId)
      .whereRef('member_count', '<', 'max_members')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async #findGroup(db: Db, groupId: string): Promise<Group | null> {
    const row = await db.selectFrom('groups').selectAll().where('id', '=', groupId).executeTakeFirst()
    return row ? toGroup(row) : null
  }

  async #currentMember(db: Db, group: Group, userId: string): Promise<GroupMember | null> {
    const row = await db
      .selectFrom('conversation_members')
      .selectAll()
      .where('conversation_id', '=', group.conversationId)
      .where('user_id', '=', userId)
      .where('left_seq', 'is', null)
      .executeTakeFirst()
    return row ? toMember(group.id, row) : null
  }

  async #currentMemberIds(db: Db, conversationId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('conversation_members')
      .select('user_id')
      .where('conversation_id', '=', conversationId)
      .where('left_seq', 'is', null)
      .orderBy('user_id')
      .execute()
    return rows.map((r) => r.user_id)
  }

  /** Writes a server `system` message with the next seq. */
  #system(trx: Transaction<Database>, conversationId: string, now: number, content: Record<string, unknown>): Promise<Message> {
    return appendInTx(trx, this.#caps, { conversationId, senderId: null, clientMsgId: newId(), type: 'system', content, now })
  }

  /** What to publish: the messages, the (bumped or current) membership version and the members. */
  async #change(trx: Transaction<Database>, group: Group, messages: Message[], bump: boolean, now: number): Promise<GroupChange> {
    const membershipVersion = bump
      ? await bumpCounter(trx, this.#caps, group.conversationId, 'membership_version', now)
      : Number(
          (
            await trx
              .selectFrom('conversations')
              .select('membership_version')
              .where('id', '=', group.conversationId)
              .executeTakeFirstOrThrow()
          ).membership_version,
        )
    return { messages, membershipVersion, memberIds: await this.#currentMemberIds(trx, group.conversationId) }
  }

  async #insertBan(trx: Transaction<Database>, groupId: string, userId: string, actorId: string, now: number): Promise<boolean> {
    // the group row lock makes check-then-insert safe here
    const found = await trx
      .selectFrom('group_bans')
      .select('user_id')
      .where('group_id', '=', groupId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    if (found) return false
    await trx.insertInto('group_bans').values({ group_id: groupId, user_id: userId, banned_by: actorId, created_at: now }).execute()
    return true
  }

  /** Cancels pending invitations and join requests of these users to the group (they joined, or were banned). */
  async #closePending(trx: Transaction<Database>, groupId: string, userIds: readonly string[], now: number): Promise<void> {
    if (userIds.length === 0) return
    const keys = userIds.map((id) => pendingKey(groupId, id))
    await trx
      .updateTable('group_invitations')
      .set({ status: 'cancelled', pending_key: null, updated_at: now })
      .where('pending_key', 'in', keys)
      .execute()
    await trx
      .updateTable('group_join_requests')
      .set({ status: 'cancelled', pending_key: null, updated_at: now })
      .where('pending_key', 'in', keys)
      .execute()
  }

  async #pendingInvitation(key: string): Promise<GroupInvitation | null> {
    const row = await this.#db.selectFrom('group_invitations').selectAll().where('pending_key', '=', key).executeTakeFirst()
    return row ? toInvitation(row) : null
  }

  async #pendingJoinRequest(key: string): Promise<GroupJoinRequest | null> {
    const row = await this.#db.selectFrom('group_join_requests').selectAll().where('pending_key', '=', key).executeTakeFirst()
    return row ? toJoinRequest(row) : null
  }
}
