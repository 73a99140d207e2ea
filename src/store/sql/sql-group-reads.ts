import { sql, type Kysely } from 'kysely'
import type { Group, GroupBan, GroupMember, GroupMemberContext, GroupRole } from '../../domain/groups/group.js'
import type { Paging } from '../../domain/groups/group-store.js'
import type { Database } from './db-schema.js'
import { currentMember, toBan, toGroup, toMember } from './sql-group-rows.js'
import { escapeLike } from './sql-user-store.js'

/** The read side of the group store: lookups, lists and search, no transactions. */
export class SqlGroupReads {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async findById(id: string): Promise<Group | null> {
    const row = await this.#db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toGroup(row) : null
  }

  async access(groupId: string, userId: string): Promise<{ group: Group; member: GroupMember | null; banned: boolean } | null> {
    const group = await this.findById(groupId)
    if (!group) return null
    const [member, ban] = await Promise.all([
      currentMember(this.#db, group, userId),
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

  async listBans(groupId: string, page: Paging): Promise<GroupBan[]> {
    let q = this.#db.selectFrom('group_bans').selectAll().where('group_id', '=', groupId)
    if (page.after) q = q.where('user_id', '>', page.after)
    const rows = await q.orderBy('user_id').limit(page.limit).execute()
    return rows.map(toBan)
  }

  async findMember(groupId: string, userId: string): Promise<GroupMember | null> {
    const group = await this.findById(groupId)
    return group ? currentMember(this.#db, group, userId) : null
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
}
