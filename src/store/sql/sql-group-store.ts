import { type Kysely, type Selectable, type Transaction } from 'kysely'
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
import type { AdmissionFact, GroupRules } from '../../domain/groups/group-rules.js'
import type { Capabilities } from './capabilities.js'
import type { ConversationMembersTable, Database, GroupsTable } from './db-schema.js'
import { appendInTx, bumpCounter, insertConversation, withTransaction } from './message-appender.js'
import { SqlGroupReads } from './sql-group-reads.js'
import { SqlGroupRequests } from './sql-group-requests.js'
import { currentMember, currentMemberIds, findGroup, joinValues, toGroup, toInvitation } from './sql-group-rows.js'

/**
 * The group store. Changes of membership, roles, mutes and the profile run here, each in one
 * transaction with its system message; reads and invitations/join requests are delegated.
 */
export class SqlGroupStore implements GroupStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities
  readonly #reads: SqlGroupReads
  readonly #requests: SqlGroupRequests

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
    this.#reads = new SqlGroupReads(db)
    this.#requests = new SqlGroupRequests(db)
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
      const group = (await findGroup(trx, groupId))!
      // mute-all is a send fact: bump the version so cached facts are checked again (SendFactsCache)
      return { group, change: await this.#change(trx, group, messages, changes.muteAll !== undefined, now) }
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
      const formerMemberIds = await currentMemberIds(trx, group.conversationId)
      const message = await this.#system(trx, group.conversationId, now, { event: 'group_dissolved', actorId, name: group.name })
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

  async addMembers(input: AddMembersInput, rules: GroupRules): Promise<AddMembersResult> {
    const { groupId, actorId, now } = input
    const userIds = [...new Set(input.userIds)]
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#lockGroup(trx, groupId)
      rules.found(locked)
      if (input.invitationId) {
        const answered = await trx
          .updateTable('group_invitations')
          .set({ status: 'accepted', pending_key: null, updated_at: now })
          .where('id', '=', input.invitationId)
          .where('group_id', '=', groupId)
          .where('status', '=', 'pending')
          .executeTakeFirst()
        rules.stillPending(Number(answered.numUpdatedRows) > 0)
      }
      if (input.joinRequestId) {
        const answered = await trx
          .updateTable('group_join_requests')
          .set({ status: 'approved', pending_key: null, decided_by: actorId, updated_at: now })
          .where('id', '=', input.joinRequestId)
          .where('group_id', '=', groupId)
          .where('status', '=', 'pending')
          .executeTakeFirst()
        rules.stillPending(Number(answered.numUpdatedRows) > 0)
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
      const facts: Array<{ userId: string; fact: AdmissionFact }> = []
      const toAdd: string[] = []
      for (const userId of userIds) {
        const row = existing.get(userId)
        if (row && row.left_seq == null) {
          facts.push({ userId, fact: 'member' })
        } else if (bannedIds.has(userId)) {
          facts.push({ userId, fact: 'banned' })
        } else if (await this.#takePlace(trx, groupId)) {
          toAdd.push(userId)
        } else {
          facts.push({ userId, fact: 'full' })
        }
      }
      const refused = rules.admission(facts, input.all)
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
      const group = (await findGroup(trx, groupId))!
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

  async removeMember(
    input: { groupId: string; userId: string; actorId: string; reason: LeaveReason; now: number },
    rules: GroupRules,
  ): Promise<GroupChange> {
    const { groupId, userId, actorId, reason, now } = input
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#lockGroup(trx, groupId)
      rules.found(locked)
      rules.leave(await currentMember(trx, locked, userId))
      const message = await this.#system(trx, locked.conversationId, now, { event: 'member_left', userId, actorId, reason })
      await trx
        .updateTable('conversation_members')
        .set({ left_seq: message.seq, updated_at: now, ...groupAsLeft(locked) })
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
      const group = (await findGroup(trx, groupId))!
      return this.#change(trx, group, [message], true, now)
    })
  }

  async ban(groupId: string, userId: string, actorId: string, now: number, rules: GroupRules): Promise<boolean> {
    return withTransaction(this.#db, async (trx) => {
      rules.found(await this.#lockGroup(trx, groupId))
      const created = await this.#insertBan(trx, groupId, userId, actorId, now)
      await this.#closePending(trx, groupId, [userId], now)
      return created
    })
  }

  async liftBan(groupId: string, userId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('group_bans').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async updateMember(
    groupId: string,
    userId: string,
    patch: MemberPatch,
    actorId: string,
    now: number,
    rules: GroupRules,
  ): Promise<{ member: GroupMember; change: GroupChange | null }> {
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#lockGroup(trx, groupId)
      rules.found(locked)
      const member = await currentMember(trx, locked, userId)
      rules.changeMember(member, patch.role)
      const messages: Message[] = []
      const values: Partial<ConversationMembersTable> = {}
      let roleChanged = false
      if (patch.role !== undefined && patch.role !== member.role) {
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
      const after = (await currentMember(trx, locked, userId))!
      // role and personal mute are send facts: bump the version so cached facts are checked again
      const factsChanged = roleChanged || values.silenced_until !== undefined
      const change = messages.length > 0 ? await this.#change(trx, locked, messages, factsChanged, now) : null
      return { member: after, change }
    })
  }

  async transfer(
    groupId: string,
    fromId: string,
    toId: string,
    now: number,
    rules: GroupRules,
  ): Promise<{ group: Group; change: GroupChange }> {
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#lockGroup(trx, groupId)
      rules.found(locked)
      rules.transfer(locked, fromId, await currentMember(trx, locked, toId))
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
      const group = (await findGroup(trx, groupId))!
      return { group, change: await this.#change(trx, group, [message], true, now) }
    })
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
    return findGroup(trx, groupId)
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
    return { messages, membershipVersion, memberIds: await currentMemberIds(trx, group.conversationId) }
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
}

/** What a leaving member keeps of the group: its name and avatar at that moment. */
function groupAsLeft(group: { name: string; avatarFileId: string | null }) {
  return { left_group_name: group.name, left_group_avatar_file_id: group.avatarFileId }
}
