import type { Kysely, Selectable } from 'kysely'
import type { Group, GroupMember, LeaveReason } from '../../domain/groups/group.js'
import type { AdmissionFact, GroupRules } from '../../domain/groups/group-rules.js'
import type { AddMembersInput, AddMembersResult, GroupChange, MemberPatch } from '../../domain/groups/group-store.js'
import type { Message } from '../../domain/messages/message.js'
import type { ConversationMembersTable, Database } from './db-schema.js'
import { withTransaction } from './message-appender.js'
import { currentMember, findGroup, joinValues } from './sql-group-rows.js'
import { groupAsLeft, type GroupTx } from './sql-group-tx.js'

/**
 * Membership changes of the group store: joining, leaving, removal, bans, role, mute and
 * nickname changes, ownership transfer. Each runs in one transaction under the group row's
 * lock with its system message; `rules` (the domain's groupRules) judges the facts read there.
 */
export class SqlGroupMembers {
  readonly #db: Kysely<Database>
  readonly #tx: GroupTx

  constructor(db: Kysely<Database>, tx: GroupTx) {
    this.#db = db
    this.#tx = tx
  }

  async addMembers(input: AddMembersInput, rules: GroupRules): Promise<AddMembersResult> {
    const { groupId, actorId, now } = input
    const userIds = [...new Set(input.userIds)]
    return withTransaction(this.#db, async (trx) => {
      const locked = await this.#tx.lockGroup(trx, groupId)
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
        } else if (await this.#tx.takePlace(trx, groupId)) {
          toAdd.push(userId)
        } else {
          facts.push({ userId, fact: 'full' })
        }
      }
      const refused = rules.admission(facts, input.all)
      if (toAdd.length === 0) return { group: locked, added: [], refused, change: null }

      const single = toAdd.length === 1 && input.via !== 'added'
      const message = await this.#tx.system(
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
      await this.#tx.closePending(trx, groupId, toAdd, now)
      const group = (await findGroup(trx, groupId))!
      const change = await this.#tx.change(trx, group, [message], true, now)
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
      const locked = await this.#tx.lockGroup(trx, groupId)
      rules.found(locked)
      rules.leave(await currentMember(trx, locked, userId))
      const message = await this.#tx.system(trx, locked.conversationId, now, { event: 'member_left', userId, actorId, reason })
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
      if (reason === 'banned') await this.#tx.insertBan(trx, groupId, userId, actorId, now)
      await this.#tx.closePending(trx, groupId, [userId], now)
      const group = (await findGroup(trx, groupId))!
      return this.#tx.change(trx, group, [message], true, now)
    })
  }

  async ban(groupId: string, userId: string, actorId: string, now: number, rules: GroupRules): Promise<boolean> {
    return withTransaction(this.#db, async (trx) => {
      rules.found(await this.#tx.lockGroup(trx, groupId))
      const created = await this.#tx.insertBan(trx, groupId, userId, actorId, now)
      await this.#tx.closePending(trx, groupId, [userId], now)
      return created
    })
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
      const locked = await this.#tx.lockGroup(trx, groupId)
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
          await this.#tx.system(trx, locked.conversationId, now, { event: 'member_role_changed', userId, role: patch.role, actorId }),
        )
      }
      const mutedUntil = member.silencedUntil !== null && member.silencedUntil > now ? member.silencedUntil : null
      if (patch.silencedUntil !== undefined && patch.silencedUntil !== mutedUntil) {
        values.silenced_until = patch.silencedUntil
        messages.push(
          await this.#tx.system(
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
      const change = messages.length > 0 ? await this.#tx.change(trx, locked, messages, factsChanged, now) : null
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
      const locked = await this.#tx.lockGroup(trx, groupId)
      rules.found(locked)
      rules.transfer(locked, fromId, await currentMember(trx, locked, toId))
      const message = await this.#tx.system(trx, locked.conversationId, now, { event: 'owner_transferred', fromId, toId, actorId: fromId })
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
      return { group, change: await this.#tx.change(trx, group, [message], true, now) }
    })
  }
}
