import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { AppendMessage, Appended } from '../../domain/messages/message-store.js'
import type { Capabilities } from './capabilities.js'
import type { Database, MessagesTable } from './db-schema.js'
import { messageRow, toMessage } from './message-appender.js'
import type { SendAppender } from './send-appender.js'

type AppendResult = Appended | 'stale'

interface Pending {
  input: AppendMessage
  expectedVersion: number | undefined
  resolve: (r: AppendResult) => void
  reject: (err: unknown) => void
}

/** Batches running at once (each on its own pooled connection); the rest of the pool serves reads. */
const MAX_IN_FLIGHT = 4
/** Sends per batch: bounds the statements' parameter lists (11 per message row). */
const MAX_BATCH = 200

/**
 * MariaDB/PostgreSQL group commit: the sends that arrive in one event-loop turn (or while
 * MAX_IN_FLIGHT batches run) share one transaction of six statements whatever their number
 * (seven when one of them mentions someone: the mention rows): lock the batch's conversations in id order (`SELECT … ORDER BY id FOR UPDATE`, which also
 * reads their counters and membership versions under the lock), look up the idempotency keys,
 * then one counter update, one multi-row insert and one read_seq update for all. Each send
 * keeps its own outcome: consecutive seqs per conversation in arrival order, the stored message
 * for a retried clientMsgId (also twice in one batch), 'stale' for a version that moved, an error
 * for a missing conversation. Locking in id order keeps concurrent batches from deadlocking each
 * other. If any statement fails (a deadlock with another writer, a constraint), the batch rolls
 * back whole and each of its sends runs alone through `single` (one transaction each, with its
 * own retries), so one bad send never fails the others. A batch of one goes to `single` directly.
 */
export class PooledGroupCommit implements SendAppender {
  readonly #db: Kysely<Database>
  readonly #sql: BatchSql
  readonly #single: SendAppender
  #queue: Pending[] = []
  #inFlight = 0
  #scheduled = false

  constructor(db: Kysely<Database>, caps: Capabilities, single: SendAppender) {
    this.#db = db
    this.#sql = new BatchSql(caps.dialect === 'postgres')
    this.#single = single
  }

  append(input: AppendMessage, expectedVersion?: number): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, expectedVersion, resolve, reject })
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= MAX_IN_FLIGHT || this.#queue.length === 0) return
    // the rest of this turn's I/O callbacks (other requests' sends) join the batch
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      while (this.#inFlight < MAX_IN_FLIGHT && this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH)
        this.#inFlight++
        void this.#run(batch).finally(() => {
          this.#inFlight--
          this.#schedule()
        })
      }
    })
  }

  async #run(batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      let outcomes: Outcome[] | null = null
      try {
        outcomes = await this.#db.transaction().execute((trx) => this.#appendAll(trx, batch))
      } catch {
        // rolled back whole: each send alone below, with its own error and retries
      }
      if (outcomes) {
        outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)))
        return
      }
    }
    // one at a time, in arrival order: sends to one conversation keep their order
    for (const p of batch) {
      try {
        p.resolve(await this.#single.append(p.input, p.expectedVersion))
      } catch (err) {
        p.reject(err)
      }
    }
  }

  async #appendAll(trx: Transaction<Database>, batch: Pending[]): Promise<Outcome[]> {
    const run = <R>(q: { sql: string; params: unknown[] }) => trx.executeQuery<R>(CompiledQuery.raw(q.sql, q.params))
    const conversationIds = [...new Set(batch.map((p) => p.input.conversationId))].sort()
    const locked = await run<{ id: string; last_seq: number; membership_version: number }>(this.#sql.lock(conversationIds))
    const counters = new Map(locked.rows.map((r) => [r.id, { lastSeq: Number(r.last_seq), version: Number(r.membership_version) }]))
    const keyed = batch.filter((p) => p.input.senderId !== null && counters.has(p.input.conversationId)).map((p) => p.input)
    const stored = new Map<string, MessagesTable>()
    if (keyed.length > 0) {
      for (const row of (await run<MessagesTable>(this.#sql.lookup(keyed))).rows) stored.set(keyOf(row), row)
    }
    const rows: MessagesTable[] = []
    const created = new Map<string, MessagesTable>()
    const mentions: Array<{ row: MessagesTable; userIds: readonly string[] }> = []
    const outcomes = batch.map(({ input, expectedVersion }): Outcome => {
      const counter = counters.get(input.conversationId)
      if (!counter) return { ok: false, error: new Error(`conversation ${input.conversationId} does not exist`) }
      const membershipVersion = counter.version
      const key = input.senderId === null ? null : idempotencyKey(input.conversationId, input.senderId, input.clientMsgId)
      const existing = key === null ? undefined : (stored.get(key) ?? created.get(key))
      if (existing) return { ok: true, value: { message: toMessage(existing), created: false, membershipVersion } }
      if (expectedVersion !== undefined && expectedVersion !== membershipVersion) return { ok: true, value: 'stale' }
      const row = messageRow(input, ++counter.lastSeq)
      rows.push(row)
      if (input.mentions?.length) mentions.push({ row, userIds: input.mentions })
      if (key !== null) created.set(key, row)
      return { ok: true, value: { message: toMessage(row), created: true, membershipVersion } }
    })
    if (rows.length > 0) {
      const senders = rows.filter((r) => r.sender_id !== null)
      if (this.#sql.postgres) {
        // one round trip: the counters, the read_seqs and the mention rows as data-modifying CTEs of the insert
        await run(this.#sql.writeAll(rows, senders, mentions))
      } else {
        await run(this.#sql.bump(rows))
        await run(this.#sql.insert(rows))
        if (senders.length > 0) await run(this.#sql.readSeq(senders))
        if (mentions.length > 0) await run(this.#sql.mentions(mentions))
      }
    }
    return outcomes
  }
}

type Outcome = { ok: true; value: AppendResult } | { ok: false; error: unknown }

const idempotencyKey = (conversationId: string, senderId: string, clientMsgId: string) =>
  `${conversationId}\u0000${senderId}\u0000${clientMsgId}`
const keyOf = (row: MessagesTable) => idempotencyKey(row.conversation_id, row.sender_id!, row.client_msg_id)

const COLUMNS = [
  'conversation_id',
  'seq',
  'id',
  'sender_id',
  'client_msg_id',
  'type',
  'content',
  'created_at',
  'edited_at',
  'recalled_at',
  'mod_seq',
] as const

/** A statement's parameter list and its placeholder maker (`?`, or `$n` numbered in order). */
interface Params {
  params: unknown[]
  p: (value: unknown) => string
}

/** The batch's statements for `n` sends: the same shape for both dialects (`?` or `$n` placeholders). */
class BatchSql {
  constructor(readonly postgres: boolean) {}

  #query(): Params {
    const params: unknown[] = []
    const p = (value: unknown) => {
      params.push(value)
      return this.postgres ? `$${params.length}` : '?'
    }
    return { params, p }
  }

  /**
   * PostgreSQL: `bump`, `insert`, `readSeq` and `mentions` as one statement (the updates and the
   * mention insert as data-modifying CTEs of the message insert). They touch different tables, so
   * seeing one snapshot changes nothing; a failure fails the whole statement, as it failed the batch.
   */
  writeAll(rows: MessagesTable[], senders: MessagesTable[], mentions: Array<{ row: MessagesTable; userIds: readonly string[] }>) {
    const q = this.#query()
    const ctes = [`bumped AS (${this.bump(rows, q).sql})`]
    if (senders.length > 0) ctes.push(`read AS (${this.readSeq(senders, q).sql})`)
    if (mentions.length > 0) ctes.push(`mentioned AS (${this.mentions(mentions, q).sql})`)
    return { sql: `WITH ${ctes.join(', ')} ${this.insert(rows, q).sql}`, params: q.params }
  }

  lock(ids: string[]) {
    const { params, p } = this.#query()
    const sql = `SELECT id, last_seq, membership_version FROM conversations WHERE id IN (${ids.map(p).join(', ')}) ORDER BY id FOR UPDATE`
    return { sql, params }
  }

  lookup(inputs: AppendMessage[]) {
    const { params, p } = this.#query()
    const where = inputs.map(
      (i) => `(conversation_id = ${p(i.conversationId)} AND sender_id = ${p(i.senderId)} AND client_msg_id = ${p(i.clientMsgId)})`,
    )
    return { sql: `SELECT * FROM messages WHERE ${where.join(' OR ')}`, params }
  }

  /** Each conversation's counter to its batch's last seq, and last_message_at to that message's time. */
  bump(rows: MessagesTable[], q = this.#query()) {
    const last = new Map<string, MessagesTable>()
    for (const r of rows) last.set(r.conversation_id, r)
    const { params, p } = q
    const seqCases = [...last.values()].map((r) => `WHEN ${p(r.conversation_id)} THEN ${p(r.seq)}`).join(' ')
    const atCases = [...last.values()].map((r) => `WHEN ${p(r.conversation_id)} THEN ${p(r.created_at)}`).join(' ')
    const ids = [...last.keys()].map(p).join(', ')
    return {
      sql: `UPDATE conversations SET last_seq = CASE id ${seqCases} ELSE last_seq END, last_message_at = CASE id ${atCases} ELSE last_message_at END WHERE id IN (${ids})`,
      params,
    }
  }

  insert(rows: MessagesTable[], q = this.#query()) {
    const { params, p } = q
    const values = rows.map((r) => `(${COLUMNS.map((c) => p(r[c])).join(', ')})`)
    // no ON CONFLICT: a racing duplicate fails the statement, and the batch reruns send by send
    return { sql: `INSERT INTO messages (${COLUMNS.join(', ')}) VALUES ${values.join(', ')}`, params }
  }

  /** The mention rows of the batch's messages that mention someone (the @ badge), committed with them. */
  mentions(messages: Array<{ row: MessagesTable; userIds: readonly string[] }>, q = this.#query()) {
    const { params, p } = q
    const values = messages.flatMap(({ row, userIds }) =>
      userIds.map((u) => `(${[row.conversation_id, row.seq, u, row.sender_id].map(p).join(', ')})`),
    )
    return { sql: `INSERT INTO message_mentions (conversation_id, seq, user_id, sender_id) VALUES ${values.join(', ')}`, params }
  }

  /** Sending reads everything before it: each sender's read_seq to its last message of the batch. */
  readSeq(rows: MessagesTable[], q = this.#query()) {
    const last = new Map<string, MessagesTable>()
    for (const r of rows) last.set(`${r.conversation_id}\u0000${r.sender_id}`, r)
    const { params, p } = q
    const cases = [...last.values()].map(
      (r) => `WHEN conversation_id = ${p(r.conversation_id)} AND user_id = ${p(r.sender_id)} THEN ${p(r.seq)}`,
    )
    const where = [...last.values()].map(
      (r) => `(conversation_id = ${p(r.conversation_id)} AND user_id = ${p(r.sender_id)} AND read_seq < ${p(r.seq)})`,
    )
    return {
      sql: `UPDATE conversation_members SET read_seq = CASE ${cases.join(' ')} ELSE read_seq END WHERE ${where.join(' OR ')}`,
      params,
    }
  }
}
