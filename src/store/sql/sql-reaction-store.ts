import type { Kysely, Transaction } from 'kysely'
import type { ReactionSummary } from '../../domain/messages/message.js'
import type { ReactionChange, ReactionLimits, ReactionStore } from '../../domain/messages/reaction-store.js'
import type { Capabilities } from './capabilities.js'
import type { Database } from './db-schema.js'
import { bumpCounter, toMessage, withTransaction } from './message-appender.js'

type Outcome = Exclude<ReactionChange, { kind: 'changed' }>

/** Ends the transaction without writing (rolls the mod_seq bump back) and answers `outcome`. */
class NoChange extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.kind)
  }
}

interface Key {
  conversationId: string
  seq: number
  userId: string
  emoji: string
  now: number
}

export class SqlReactionStore implements ReactionStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
  }

  add(q: Key & { limits: ReactionLimits }): Promise<ReactionChange> {
    return this.#change(q, async (trx, summary) => {
      if (await this.#exists(trx, q)) return null
      const entry = summary.find((r) => r.emoji === q.emoji)
      if (!entry && summary.length >= q.limits.maxEmojis) throw new NoChange({ kind: 'message_limit' })
      const mine = await trx
        .selectFrom('message_reactions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('conversation_id', '=', q.conversationId)
        .where('seq', '=', q.seq)
        .where('user_id', '=', q.userId)
        .executeTakeFirstOrThrow()
      if (Number(mine.n) >= q.limits.maxPerUser) throw new NoChange({ kind: 'user_limit' })
      await trx
        .insertInto('message_reactions')
        .values({ conversation_id: q.conversationId, seq: q.seq, emoji: q.emoji, user_id: q.userId, created_at: q.now })
        .execute()
      if (!entry) return [...summary, { emoji: q.emoji, count: 1, userIds: [q.userId] }]
      entry.count++
      if (entry.userIds.length < q.limits.shownUsers) entry.userIds.push(q.userId)
      return summary
    })
  }

  remove(q: Key & { shownUsers: number }): Promise<ReactionChange> {
    return this.#change(q, async (trx, summary) => {
      const deleted = await trx
        .deleteFrom('message_reactions')
        .where('conversation_id', '=', q.conversationId)
        .where('seq', '=', q.seq)
        .where('emoji', '=', q.emoji)
        .where('user_id', '=', q.userId)
        .executeTakeFirst()
      if (Number(deleted.numDeletedRows) === 0) return null
      const entry = summary.find((r) => r.emoji === q.emoji)
      if (!entry || entry.count <= 1) return summary.filter((r) => r.emoji !== q.emoji)
      entry.count--
      entry.userIds = entry.userIds.filter((id) => id !== q.userId)
      // someone shown left: refill the first reactors from the rows
      if (entry.userIds.length < Math.min(entry.count, q.shownUsers)) {
        const rows = await trx
          .selectFrom('message_reactions')
          .select('user_id')
          .where('conversation_id', '=', q.conversationId)
          .where('seq', '=', q.seq)
          .where('emoji', '=', q.emoji)
          .orderBy('created_at')
          .orderBy('user_id')
          .limit(q.shownUsers)
          .execute()
        entry.userIds = rows.map((r) => r.user_id)
      }
      return summary
    })
  }

  async users(q: { conversationId: string; seq: number; emoji: string; limit: number; after: string | null }) {
    let query = this.#db
      .selectFrom('message_reactions')
      .select('user_id')
      .where('conversation_id', '=', q.conversationId)
      .where('seq', '=', q.seq)
      .where('emoji', '=', q.emoji)
    if (q.after !== null) query = query.where('user_id', '>', q.after)
    const rows = await query
      .orderBy('user_id')
      .limit(q.limit + 1)
      .execute()
    const userIds = rows.slice(0, q.limit).map((r) => r.user_id)
    return { userIds, nextCursor: rows.length > q.limit ? userIds[userIds.length - 1]! : null }
  }

  /**
   * One reaction change: locks the conversation's counter (the next mod_seq), reads the
   * message, lets `apply` write its row and return the new summary (null: nothing changed),
   * then stores the summary with the mod_seq on the message.
   */
  async #change(
    q: Key,
    apply: (trx: Transaction<Database>, summary: ReactionSummary[]) => Promise<ReactionSummary[] | null>,
  ): Promise<ReactionChange> {
    try {
      return await withTransaction(this.#db, async (trx) => {
        const modSeq = await bumpCounter(trx, this.#caps, q.conversationId, 'mod_seq', q.now)
        const row = await this.#message(trx, q)
        if (!row) throw new NoChange({ kind: 'missing' })
        if (row.recalled_at !== null) throw new NoChange({ kind: 'recalled' })
        const summary = await apply(trx, toMessage(row).reactions)
        if (!summary) throw new NoChange({ kind: 'unchanged', message: toMessage(row) })
        const reactions = summary.length > 0 ? JSON.stringify(summary) : null
        await trx
          .updateTable('messages')
          .set({ reactions, mod_seq: modSeq })
          .where('conversation_id', '=', q.conversationId)
          .where('seq', '=', q.seq)
          .execute()
        const conv = await trx
          .selectFrom('conversations')
          .select('membership_version')
          .where('id', '=', q.conversationId)
          .executeTakeFirstOrThrow()
        const message = toMessage({ ...row, reactions, mod_seq: modSeq })
        return { kind: 'changed' as const, message, membershipVersion: Number(conv.membership_version) }
      })
    } catch (err) {
      if (err instanceof NoChange) return err.outcome
      throw err
    }
  }

  #message(trx: Transaction<Database>, q: Key) {
    return trx
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', q.conversationId)
      .where('seq', '=', q.seq)
      .executeTakeFirst()
  }

  async #exists(trx: Transaction<Database>, q: Key): Promise<boolean> {
    const row = await trx
      .selectFrom('message_reactions')
      .select('user_id')
      .where('conversation_id', '=', q.conversationId)
      .where('seq', '=', q.seq)
      .where('emoji', '=', q.emoji)
      .where('user_id', '=', q.userId)
      .executeTakeFirst()
    return row !== undefined
  }
}
