import type { Transaction } from 'kysely'
import { pendingKey, type Group } from '../../domain/groups/group.js'
import type { GroupChange } from '../../domain/groups/group-store.js'
import type { Message } from '../../domain/messages/message.js'
import { newId } from '../../shared/ids.js'
import type { Capabilities } from './capabilities.js'
import type { Database } from './db-schema.js'
import { appendInTx, bumpCounter } from './message-appender.js'
import { currentMemberIds, findGroup } from './sql-group-rows.js'

/** The steps every group transaction is made of (lock, system message, version bump, bans, pending answers). */
export class GroupTx {
  readonly #caps: Capabilities

  constructor(caps: Capabilities) {
    this.#caps = caps
  }

  /**
   * Takes the group row's lock for the rest of the transaction (a no-op update), so every
   * membership change of one group runs one after another and reads after it are current.
   * Lock order everywhere: group row, then the conversation counter row, then member rows.
   */
  async lockGroup(trx: Transaction<Database>, groupId: string): Promise<Group | null> {
    await trx
      .updateTable('groups')
      .set((eb) => ({ member_count: eb.ref('member_count') }))
      .where('id', '=', groupId)
      .execute()
    return findGroup(trx, groupId)
  }

  /** One place more, only while below the limit: the conditional update is the limit's guard. */
  async takePlace(trx: Transaction<Database>, groupId: string): Promise<boolean> {
    const result = await trx
      .updateTable('groups')
      .set((eb) => ({ member_count: eb('member_count', '+', 1) }))
      .where('id', '=', groupId)
      .whereRef('member_count', '<', 'max_members')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Writes a server `system` message with the next seq. */
  system(trx: Transaction<Database>, conversationId: string, now: number, content: Record<string, unknown>): Promise<Message> {
    return appendInTx(trx, this.#caps, { conversationId, senderId: null, clientMsgId: newId(), type: 'system', content, now })
  }

  /** What to publish: the messages, the (bumped or current) membership version and the members. */
  async change(trx: Transaction<Database>, group: Group, messages: Message[], bump: boolean, now: number): Promise<GroupChange> {
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

  async insertBan(trx: Transaction<Database>, groupId: string, userId: string, actorId: string, now: number): Promise<boolean> {
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
  async closePending(trx: Transaction<Database>, groupId: string, userIds: readonly string[], now: number): Promise<void> {
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
export function groupAsLeft(group: { name: string; avatarFileId: string | null }) {
  return { left_group_name: group.name, left_group_avatar_file_id: group.avatarFileId }
}
