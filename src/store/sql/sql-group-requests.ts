import type { Kysely } from 'kysely'
import { pendingKey, type GroupInvitation, type GroupJoinRequest } from '../../domain/groups/group.js'
import { newId } from '../../shared/ids.js'
import type { Paging } from '../../domain/groups/group-store.js'
import { isUniqueViolation } from './capabilities.js'
import type { Database } from './db-schema.js'
import { toInvitation, toJoinRequest } from './sql-group-rows.js'

/**
 * Group invitations and join requests. At most one of each is pending per group and user: the
 * unique `pending_key` (`groupId:userId`) is set while pending and cleared when answered, and a
 * racing duplicate insert returns the winner.
 */
export class SqlGroupRequests {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
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

  async #pendingInvitation(key: string): Promise<GroupInvitation | null> {
    const row = await this.#db.selectFrom('group_invitations').selectAll().where('pending_key', '=', key).executeTakeFirst()
    return row ? toInvitation(row) : null
  }

  async #pendingJoinRequest(key: string): Promise<GroupJoinRequest | null> {
    const row = await this.#db.selectFrom('group_join_requests').selectAll().where('pending_key', '=', key).executeTakeFirst()
    return row ? toJoinRequest(row) : null
  }
}
