import { CompiledQuery, sql, type Kysely, type Selectable } from 'kysely'
import type { Conversation, ConversationKind, ConversationSummary, Membership } from '../../domain/conversations/conversation.js'
import { pairKeyOf, visibleLastSeq } from '../../domain/conversations/conversation.js'
import { newId } from '../../shared/ids.js'
import type { ConversationStore } from '../../domain/conversations/conversation-store.js'
import type { Message } from '../../domain/messages/message.js'
import { isUniqueViolation, type Capabilities } from './capabilities.js'
import type { ConversationMembersTable, ConversationsTable, Database } from './db-schema.js'
import { ReadMarkStatement, type ReadMark } from './read-mark.js'
import { bumpCounter, insertConversation, toMessage, withTransaction } from './message-appender.js'

const WORLD_KEY = 'world'

export function toConversation(row: Selectable<ConversationsTable>): Conversation {
  return {
    id: row.id,
    kind: row.kind as ConversationKind,
    pairKey: row.kind === 'direct' ? row.pair_key : null,
    groupId: row.group_id,
    lastSeq: Number(row.last_seq),
    modSeq: Number(row.mod_seq),
    membershipVersion: Number(row.membership_version),
    lastMessageAt: row.last_message_at == null ? null : Number(row.last_message_at),
    createdAt: Number(row.created_at),
  }
}

export function toMembership(row: Selectable<ConversationMembersTable>): Membership {
  return {
    conversationId: row.conversation_id,
    userId: row.user_id,
    role: row.role as Membership['role'],
    joinSeq: Number(row.join_seq),
    leftSeq: row.left_seq == null ? null : Number(row.left_seq),
    readSeq: Number(row.read_seq),
    clearedSeq: Number(row.cleared_seq),
    pinned: Number(row.pinned) === 1,
    muted: Number(row.muted) === 1,
    silencedUntil: row.silenced_until == null ? null : Number(row.silenced_until),
  }
}

function memberRow(conversationId: string, userId: string, now: number) {
  return {
    conversation_id: conversationId,
    user_id: userId,
    role: 'member',
    join_seq: 1,
    left_seq: null,
    left_group_name: null,
    left_group_avatar_file_id: null,
    read_seq: 0,
    cleared_seq: 0,
    pinned: 0,
    muted: 0,
    silenced_until: null,
    group_nickname: '',
    joined_at: now,
    updated_at: now,
  }
}

/**
 * A world member sees the channel from the moment they join (registration), with nothing unread:
 * a newcomer gets no badge for messages posted before they existed.
 */
export function worldMemberRow(worldId: string, userId: string, lastSeq: number, now: number) {
  return { ...memberRow(worldId, userId, now), join_seq: lastSeq + 1, read_seq: lastSeq }
}

function summaryQuery(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .leftJoin('groups as g', 'g.conversation_id', 'c.id')
    .selectAll('m')
    .select([
      'c.id as c_id',
      'c.kind as c_kind',
      'c.pair_key as c_pair_key',
      'c.group_id as c_group_id',
      'c.last_seq as c_last_seq',
      'c.mod_seq as c_mod_seq',
      'c.membership_version as c_membership_version',
      'c.last_message_at as c_last_message_at',
      'c.created_at as c_created_at',
      'g.id as g_id',
      'g.name as g_name',
      'g.avatar_file_id as g_avatar_file_id',
      'g.mute_all as g_mute_all',
      'g.member_count as g_member_count',
      sql<number>`coalesce(c.last_message_at, c.created_at)`.as('activity'),
    ])
    .where('m.user_id', '=', userId)
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['execute']>>[number]

/** Cursor of the list order (pinned desc, activity desc, id desc), opaque to clients. */
interface ListCursor {
  p: number
  a: number
  id: string
}

export class SqlConversationStore implements ConversationStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities
  readonly #readMark: ReadMarkStatement
  /** summaryFor's statement (member, conversation, group of one conversation), built once: every history page and most routes ask */
  readonly #summaryOne: string
  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
    this.#readMark = new ReadMarkStatement(caps)
    const compiled = summaryQuery(db, 'user').where('c.id', '=', 'conversation').compile()
    if (compiled.parameters.join() !== 'user,conversation')
      throw new Error('summaryFor: expected (user id, conversation id) as its parameters')
    this.#summaryOne = compiled.sql
  }

  async findById(id: string): Promise<Conversation | null> {
    const row = await this.#db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toConversation(row) : null
  }

  async findDirect(userA: string, userB: string): Promise<Conversation | null> {
    return this.#byPairKey(pairKeyOf(userA, userB))
  }

  async getOrCreateDirect(userA: string, userB: string, now: number): Promise<Conversation> {
    const key = pairKeyOf(userA, userB)
    const existing = await this.#byPairKey(key)
    if (existing) return existing
    try {
      await withTransaction(this.#db, async (trx) => {
        const id = newId()
        await insertConversation(trx, { id, kind: 'direct', pairKey: key, now })
        await trx
          .insertInto('conversation_members')
          .values([memberRow(id, userA, now), memberRow(id, userB, now)])
          .execute()
      })
    } catch (err) {
      // another request created it first: theirs is the one
      if (!isUniqueViolation(err)) throw err
    }
    return (await this.#byPairKey(key))!
  }

  async getOrCreateWorld(now: number): Promise<Conversation> {
    const existing = await this.#byPairKey(WORLD_KEY)
    if (existing) return existing
    try {
      await withTransaction(this.#db, (trx) => insertConversation(trx, { id: newId(), kind: 'world', pairKey: WORLD_KEY, now }))
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
    }
    return (await this.#byPairKey(WORLD_KEY))!
  }

  async #byPairKey(key: string): Promise<Conversation | null> {
    const row = await this.#db.selectFrom('conversations').selectAll().where('pair_key', '=', key).executeTakeFirst()
    return row ? toConversation(row) : null
  }

  async membership(conversationId: string, userId: string): Promise<Membership | null> {
    const row = await this.#db
      .selectFrom('conversation_members')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return row ? toMembership(row) : null
  }

  async joinWorld(userId: string, now: number): Promise<{ conversation: Conversation; membership: Membership }> {
    const conversation = await this.getOrCreateWorld(now)
    const found = await this.membership(conversation.id, userId)
    if (found) return { conversation, membership: found }
    try {
      // a new member changes who gets pushes: bump the version so every instance refetches
      await withTransaction(this.#db, async (trx) => {
        const { last_seq } = await trx
          .selectFrom('conversations')
          .select('last_seq')
          .where('id', '=', conversation.id)
          .executeTakeFirstOrThrow()
        await trx
          .insertInto('conversation_members')
          .values(worldMemberRow(conversation.id, userId, Number(last_seq), now))
          .execute()
        await bumpCounter(trx, this.#caps, conversation.id, 'membership_version', now)
      })
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
    }
    return { conversation, membership: (await this.membership(conversation.id, userId))! }
  }

  bumpMembershipVersion(conversationId: string, now: number): Promise<number> {
    return withTransaction(this.#db, (trx) => bumpCounter(trx, this.#caps, conversationId, 'membership_version', now))
  }

  async readPositions(conversationId: string, exceptUserId: string, limit: number) {
    const rows = await this.#db
      .selectFrom('conversation_members')
      .select(['user_id', 'read_seq'])
      .where('conversation_id', '=', conversationId)
      .where('left_seq', 'is', null)
      .where('user_id', '<>', exceptUserId)
      .orderBy('user_id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ userId: r.user_id, seq: Number(r.read_seq) }))
  }

  async sharedMemberIds(userId: string, limit: number) {
    const rows = await this.#db
      .selectFrom('conversation_members as mine')
      .innerJoin('conversations as c', 'c.id', 'mine.conversation_id')
      .innerJoin('conversation_members as other', 'other.conversation_id', 'mine.conversation_id')
      .select('other.user_id')
      .distinct()
      .where('mine.user_id', '=', userId)
      .where('mine.left_seq', 'is', null)
      .where('c.kind', 'in', ['direct', 'group'])
      .where('other.left_seq', 'is', null)
      .where('other.user_id', '<>', userId)
      .limit(limit)
      .execute()
    return rows.map((r) => r.user_id)
  }

  async memberRanges(conversationId: string) {
    const conv = await this.#db.selectFrom('conversations').select('membership_version').where('id', '=', conversationId).executeTakeFirst()
    const rows = await this.#db
      .selectFrom('conversation_members')
      .select(['user_id', 'join_seq', 'left_seq'])
      .where('conversation_id', '=', conversationId)
      .execute()
    return {
      version: Number(conv?.membership_version ?? 0),
      members: rows.map((r) => ({
        userId: r.user_id,
        joinSeq: Number(r.join_seq),
        leftSeq: r.left_seq == null ? null : Number(r.left_seq),
      })),
    }
  }

  async listForUser(userId: string, limit: number, cursor: string | null) {
    let q = summaryQuery(this.#db, userId).where('m.left_seq', 'is', null)
    const after = decodeCursor(cursor)
    if (after) {
      const activity = sql<number>`coalesce(c.last_message_at, c.created_at)`
      q = q.where((eb) =>
        eb.or([
          eb('m.pinned', '<', after.p),
          eb.and([eb('m.pinned', '=', after.p), eb(activity, '<', after.a)]),
          eb.and([eb('m.pinned', '=', after.p), eb(activity, '=', after.a), eb('c.id', '<', after.id)]),
        ]),
      )
    }
    const rows = await q
      .orderBy('m.pinned', 'desc')
      .orderBy('activity', 'desc')
      .orderBy('c.id', 'desc')
      .limit(limit + 1)
      .execute()
    const page = rows.slice(0, limit)
    const items = await this.#withLastMessages(userId, page)
    const last = page.at(-1)
    const nextCursor =
      rows.length > limit && last ? encodeCursor({ p: Number(last.pinned), a: Number(last.activity), id: last.c_id }) : null
    return { items, nextCursor }
  }

  async summaryFor(
    conversationId: string,
    userId: string,
    options: { withLastMessage?: boolean } = {},
  ): Promise<ConversationSummary | null> {
    const { rows } = await this.#db.executeQuery<SummaryRow>(CompiledQuery.raw(this.#summaryOne, [userId, conversationId]))
    const row = rows[0]
    if (!row) return null
    return (await this.#withLastMessages(userId, [row], options.withLastMessage ?? true))[0]!
  }

  async #withLastMessages(userId: string, rows: SummaryRow[], loadMessages = true): Promise<ConversationSummary[]> {
    const summaries = rows.map((r) => {
      const conversation = toConversation({
        id: r.c_id,
        kind: r.c_kind,
        pair_key: r.c_pair_key,
        group_id: r.c_group_id,
        last_seq: r.c_last_seq,
        mod_seq: r.c_mod_seq,
        membership_version: r.c_membership_version,
        last_message_at: r.c_last_message_at,
        created_at: r.c_created_at,
      })
      const membership = toMembership(r)
      const peerId = conversation.kind === 'direct' ? (conversation.pairKey!.split(':').find((id) => id !== userId) ?? userId) : null
      const group = r.g_id
        ? {
            id: r.g_id,
            // a former member sees the group as it was when they left, not its later renames
            name: r.left_group_name ?? r.g_name!,
            avatarFileId: r.left_group_name !== null ? (r.left_group_avatar_file_id ?? null) : (r.g_avatar_file_id ?? null),
            muteAll: Number(r.g_mute_all) === 1,
            memberCount: Number(r.g_member_count),
          }
        : null
      const lastSeq = visibleLastSeq(conversation, membership)
      const visible = lastSeq > Math.max(membership.clearedSeq, membership.joinSeq - 1)
      return { conversation, membership, peerId, group, lastMessage: null, wantSeq: visible ? lastSeq : 0 }
    })
    const wanted = loadMessages ? summaries.filter((s) => s.wantSeq > 0) : []
    if (wanted.length > 0) {
      const messages = await this.#db
        .selectFrom('messages')
        .selectAll()
        .where((eb) => eb.or(wanted.map((s) => eb.and([eb('conversation_id', '=', s.conversation.id), eb('seq', '=', s.wantSeq)]))))
        .execute()
      const byConversation = new Map(messages.map((m) => [m.conversation_id, toMessage(m)]))
      for (const s of wanted) (s as ConversationSummary).lastMessage = byConversation.get(s.conversation.id) ?? null
      // a last message I deleted for me is no preview of mine: the newest one I still see is (rare: a lookup each)
      const hidden = await this.#db
        .selectFrom('hidden_messages')
        .select('conversation_id')
        .where('user_id', '=', userId)
        .where((eb) => eb.or(wanted.map((s) => eb.and([eb('conversation_id', '=', s.conversation.id), eb('seq', '=', s.wantSeq)]))))
        .execute()
      for (const { conversation_id } of hidden) {
        const s = wanted.find((w) => w.conversation.id === conversation_id)!
        ;(s as ConversationSummary).lastMessage = await this.#newestShown(userId, s.conversation.id, s.wantSeq, s.membership)
      }
    }
    return summaries.map(({ wantSeq: _w, ...s }) => s)
  }

  /** The newest message before `belowSeq` that `userId` sees in history: after their clear and join, not hidden. */
  async #newestShown(userId: string, conversationId: string, belowSeq: number, membership: Membership): Promise<Message | null> {
    const row = await this.#db
      .selectFrom('messages as m')
      .selectAll('m')
      .where('m.conversation_id', '=', conversationId)
      .where('m.seq', '<', belowSeq)
      .where('m.seq', '>', Math.max(membership.clearedSeq, membership.joinSeq - 1))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('hidden_messages as h')
              .select('h.seq')
              .where('h.user_id', '=', userId)
              .whereRef('h.conversation_id', '=', 'm.conversation_id')
              .whereRef('h.seq', '=', 'm.seq'),
          ),
        ),
      )
      .orderBy('m.seq', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row ? toMessage(row) : null
  }

  async updatePrefs(conversationId: string, userId: string, prefs: { pinned?: boolean; muted?: boolean }, now: number): Promise<void> {
    const values: Partial<ConversationMembersTable> = { updated_at: now }
    if (prefs.pinned !== undefined) values.pinned = prefs.pinned ? 1 : 0
    if (prefs.muted !== undefined) values.muted = prefs.muted ? 1 : 0
    await this.#db
      .updateTable('conversation_members')
      .set(values)
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .execute()
  }

  markRead(conversationId: string, userId: string, seq: number, now: number): Promise<ReadMark | null> {
    return this.#readMark.run(this.#db, conversationId, userId, seq, now)
  }

  async clearHistory(conversationId: string, userId: string, now: number): Promise<number> {
    // cleared_seq = the conversation's last_seq at this moment, read in the same statement
    await this.#db
      .updateTable('conversation_members')
      .set({
        cleared_seq: (eb) => eb.selectFrom('conversations').select('last_seq').where('id', '=', conversationId),
        updated_at: now,
      })
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .execute()
    return (await this.membership(conversationId, userId))?.clearedSeq ?? 0
  }

  async idsWithActivity(userId: string) {
    const rows = await this.#db
      .selectFrom('conversation_members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select(['c.id', 'c.last_seq', 'c.mod_seq'])
      .where('m.user_id', '=', userId)
      .where('m.left_seq', 'is', null)
      .where('c.last_seq', '>', 0)
      .limit(5000)
      .execute()
    return rows.map((r) => ({ conversationId: r.id, lastSeq: Number(r.last_seq), modSeq: Number(r.mod_seq) }))
  }

  get caps(): Capabilities {
    return this.#caps
  }
}

function encodeCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url')
}

function decodeCursor(cursor: string | null): ListCursor | null {
  if (!cursor) return null
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as ListCursor
    if (typeof c.p === 'number' && typeof c.a === 'number' && typeof c.id === 'string') return c
  } catch {
    // fall through
  }
  return null
}
