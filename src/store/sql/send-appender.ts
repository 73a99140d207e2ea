import type SQLite from 'better-sqlite3'
import { CompiledQuery, type Kysely } from 'kysely'
import type { AppendMessage, Appended } from '../../domain/messages/message-store.js'

type AppendResult = Appended | 'stale'
import { isUniqueViolation, type Capabilities } from './capabilities.js'
import type { Database, MessagesTable } from './db-schema.js'
import { messageRow, toMessage, withTransaction } from './message-appender.js'
import { PooledGroupCommit } from './pooled-group-commit.js'

/**
 * The send transaction on the hot path: statements written once per dialect (no query
 * building per call), at most three in the transaction (counter bump, insert, sender's
 * read_seq; MySQL adds one to read the version back, having no RETURNING), and one more for a
 * message that mentions someone (its rows for the @ badge, committed with it). MariaDB/PostgreSQL
 * look the idempotency key up before the counter lock and the insert ignores a racing duplicate;
 * SQLite (one writer) lets the insert find the duplicate and rolls the send back to its savepoint.
 * With `expectedVersion`, a conversation whose membership_version moved (a fact the sender
 * was authorized on changed) gets nothing stored: 'stale'.
 */
export interface SendAppender {
  append(input: AppendMessage, expectedVersion?: number): Promise<AppendResult>
}

const COLUMNS = 'conversation_id, seq, id, sender_id, client_msg_id, type, content, created_at, edited_at, recalled_at, mod_seq'

/** The SQL of the send path, per dialect (`?` placeholders; PostgreSQL `$n`). */
function statements(dialect: Capabilities['dialect']) {
  const p = dialect === 'postgres' ? (n: number) => `$${n}` : () => '?'
  return {
    lookup: `SELECT * FROM messages WHERE conversation_id = ${p(1)} AND sender_id = ${p(2)} AND client_msg_id = ${p(3)}`,
    version: `SELECT membership_version FROM conversations WHERE id = ${p(1)}`,
    bump:
      dialect === 'mysql'
        ? 'UPDATE conversations SET last_seq = LAST_INSERT_ID(last_seq + 1), last_message_at = ? WHERE id = ?'
        : `UPDATE conversations SET last_seq = last_seq + 1, last_message_at = ${p(1)} WHERE id = ${p(2)} RETURNING last_seq, membership_version`,
    insert:
      `INSERT INTO messages (${COLUMNS}) VALUES (${Array.from({ length: 11 }, (_, i) => p(i + 1)).join(', ')})` +
      // MySQL: a duplicate fails with ER_DUP_ENTRY (INSERT IGNORE would also turn other errors into warnings)
      (dialect === 'mysql' ? '' : ' ON CONFLICT DO NOTHING'),
    readSeq: `UPDATE conversation_members SET read_seq = ${p(1)} WHERE conversation_id = ${p(2)} AND user_id = ${p(3)} AND read_seq < ${p(4)}`,
    /** the message's mention rows (only for a message that mentions someone), `n` of them */
    mentions: (n: number) => {
      const rows = Array.from({ length: n }, (_, i) => `(${[1, 2, 3, 4].map((k) => p(i * 4 + k)).join(', ')})`)
      return `INSERT INTO message_mentions (conversation_id, seq, user_id, sender_id) VALUES ${rows.join(', ')}`
    },
  }
}

/** Parameters of `mentions`: one row per mentioned id, for the message `row`. */
export const mentionValues = (row: MessagesTable, userIds: readonly string[]) =>
  userIds.flatMap((userId) => [row.conversation_id, row.seq, userId, row.sender_id])

const rowValues = (r: MessagesTable) => [
  r.conversation_id,
  r.seq,
  r.id,
  r.sender_id,
  r.client_msg_id,
  r.type,
  r.content,
  r.created_at,
  r.edited_at,
  r.recalled_at,
  r.mod_seq,
]

class Stale extends Error {}
class LostRace extends Error {}

export function createSendAppender(db: Kysely<Database>, caps: Capabilities, sqlite: (() => SQLite.Database | null) | null): SendAppender {
  return caps.singleWriter && sqlite ? new SqliteGroupCommit(db, sqlite) : new PooledGroupCommit(db, caps, new PooledAppender(db, caps))
}

/**
 * MariaDB/PostgreSQL, one send alone: one transaction on a pooled connection. Used for a batch
 * of one and for each send of a batch whose shared transaction failed (pooled-group-commit.ts).
 */
export class PooledAppender implements SendAppender {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities
  readonly #sql: ReturnType<typeof statements>

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
    this.#sql = statements(caps.dialect)
  }

  async append(input: AppendMessage, expectedVersion?: number): Promise<AppendResult> {
    if (input.senderId) {
      const existing = await this.#existing(input.conversationId, input.senderId, input.clientMsgId)
      if (existing) return existing
    }
    try {
      return await withTransaction(this.#db, async (trx) => {
        const { seq, version } = await this.#bump(trx, input)
        if (expectedVersion !== undefined && version !== expectedVersion) throw new Stale()
        const row = messageRow(input, seq)
        const inserted = await trx.executeQuery(CompiledQuery.raw(this.#sql.insert, rowValues(row)))
        if (Number(inserted.numAffectedRows ?? 1) === 0) throw new LostRace()
        if (input.senderId) {
          await trx.executeQuery(CompiledQuery.raw(this.#sql.readSeq, [seq, input.conversationId, input.senderId, seq]))
        }
        if (input.mentions?.length) {
          await trx.executeQuery(CompiledQuery.raw(this.#sql.mentions(input.mentions.length), mentionValues(row, input.mentions)))
        }
        return { message: toMessage(row), created: true, membershipVersion: version }
      })
    } catch (err) {
      if (err instanceof Stale) return 'stale'
      // a concurrent retry with the same clientMsgId committed first; ours rolled back whole
      if (!input.senderId || !(err instanceof LostRace || isUniqueViolation(err))) throw err
      const existing = await this.#existing(input.conversationId, input.senderId, input.clientMsgId)
      if (!existing) throw err
      return existing
    }
  }

  async #bump(trx: Kysely<Database>, input: AppendMessage): Promise<{ seq: number; version: number }> {
    const bumped = await trx.executeQuery<{ last_seq: number; membership_version: number }>(
      CompiledQuery.raw(this.#sql.bump, [input.now, input.conversationId]),
    )
    if (this.#caps.supportsReturning) {
      const row = bumped.rows[0]
      if (!row) throw new Error(`conversation ${input.conversationId} does not exist`)
      return { seq: Number(row.last_seq), version: Number(row.membership_version) }
    }
    // MySQL: LAST_INSERT_ID(expr) comes back as the OK packet's insert id
    if (bumped.insertId === undefined) throw new Error(`conversation ${input.conversationId} does not exist`)
    return { seq: Number(bumped.insertId), version: await this.#version(trx, input.conversationId) }
  }

  async #existing(conversationId: string, senderId: string, clientMsgId: string): Promise<AppendResult | null> {
    const found = await this.#db.executeQuery<MessagesTable>(CompiledQuery.raw(this.#sql.lookup, [conversationId, senderId, clientMsgId]))
    const row = found.rows[0]
    if (!row) return null
    return { message: toMessage(row), created: false, membershipVersion: await this.#version(this.#db, conversationId) }
  }

  async #version(db: Kysely<Database>, conversationId: string): Promise<number> {
    const r = await db.executeQuery<{ membership_version: number }>(CompiledQuery.raw(this.#sql.version, [conversationId]))
    return Number(r.rows[0]?.membership_version ?? 0)
  }
}

interface Pending {
  input: AppendMessage
  expectedVersion: number | undefined
  resolve: (r: AppendResult) => void
  reject: (err: unknown) => void
}

/**
 * SQLite: group commit. Sends that arrive in the same event-loop turn (the batch starts in
 * setImmediate, after the turn's I/O callbacks), or while a batch waits for the connection (or
 * runs), share one `BEGIN IMMEDIATE ... COMMIT`, each inside its own savepoint, so each keeps its own
 * seq, idempotency and error: a failing or stale message is rolled back to its savepoint and
 * never fails its neighbours. Runs synchronously on better-sqlite3's prepared statements while
 * holding Kysely's connection, so no Kysely transaction is open on it meanwhile.
 */
class SqliteGroupCommit implements SendAppender {
  readonly #db: Kysely<Database>
  readonly #raw: () => SQLite.Database | null
  #prepared: ReturnType<typeof prepare> | null = null
  #queue: Pending[] = []
  #running = false
  #scheduled = false

  constructor(db: Kysely<Database>, raw: () => SQLite.Database | null) {
    this.#db = db
    this.#raw = raw
  }

  append(input: AppendMessage, expectedVersion?: number): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, expectedVersion, resolve, reject })
      if (!this.#running && !this.#scheduled) {
        // wait for the rest of this event-loop turn's I/O: the sends read from other sockets in
        // the same poll join the batch (one commit for all) instead of each committing alone
        this.#scheduled = true
        setImmediate(() => {
          this.#scheduled = false
          if (!this.#running) void this.#drain()
        })
      }
    })
  }

  async #drain(): Promise<void> {
    this.#running = true
    let batch: Pending[] = []
    try {
      await this.#db.connection().execute(async () => {
        batch = this.#queue
        this.#queue = []
        this.#run(batch)
      })
    } catch (err) {
      // the connection could not be had, or the commit failed: nothing of the batch is stored
      for (const p of batch.length ? batch : this.#queue.splice(0)) p.reject(err)
    } finally {
      this.#running = false
      if (this.#queue.length > 0) void this.#drain()
    }
  }

  #run(batch: Pending[]): void {
    const raw = this.#raw()
    if (!raw) throw new Error('sqlite connection is not open')
    const s = (this.#prepared ??= prepare(raw))
    const results: Array<{ ok: true; value: AppendResult } | { ok: false; error: unknown }> = []
    s.begin.run()
    try {
      for (const { input, expectedVersion } of batch) {
        s.savepoint.run()
        try {
          const value = appendOne(s, input, expectedVersion)
          s.release.run()
          results.push({ ok: true, value })
        } catch (error) {
          s.rollbackTo.run()
          s.release.run()
          results.push({ ok: false, error })
        }
      }
      s.commit.run()
    } catch (err) {
      if (raw.inTransaction) s.rollback.run()
      throw err
    }
    batch.forEach((p, i) => {
      const r = results[i]!
      if (r.ok) p.resolve(r.value)
      else p.reject(r.error)
    })
  }
}

function prepare(raw: SQLite.Database) {
  const sql = statements('sqlite')
  return {
    begin: raw.prepare('BEGIN IMMEDIATE'),
    commit: raw.prepare('COMMIT'),
    rollback: raw.prepare('ROLLBACK'),
    savepoint: raw.prepare('SAVEPOINT send'),
    rollbackTo: raw.prepare('ROLLBACK TO send'),
    release: raw.prepare('RELEASE send'),
    lookup: raw.prepare<unknown[], MessagesTable>(sql.lookup),
    bump: raw.prepare<unknown[], { last_seq: number; membership_version: number }>(sql.bump),
    insert: raw.prepare(sql.insert),
    readSeq: raw.prepare(sql.readSeq),
    mention: raw.prepare(sql.mentions(1)),
  }
}

/**
 * One send inside the batch's transaction, in its own savepoint. The usual send (a new
 * clientMsgId, facts still current) runs three statements: counter bump, insert, read_seq; the
 * idempotency key is checked by the insert itself (ON CONFLICT DO NOTHING on the unique key), and
 * only a repeat or a stale version rolls back to the savepoint (the bump with it) and looks the
 * stored message up. SQLite has one writer, so that lookup is exact. A repeat returns the stored
 * message whatever the version, as the pooled path does.
 */
function appendOne(s: ReturnType<typeof prepare>, input: AppendMessage, expectedVersion: number | undefined): AppendResult {
  const bumped = s.bump.get(input.now, input.conversationId)
  if (!bumped) throw new Error(`conversation ${input.conversationId} does not exist`)
  const version = Number(bumped.membership_version)
  if (expectedVersion !== undefined && version !== expectedVersion) {
    s.rollbackTo.run()
    return existing(s, input, version) ?? 'stale'
  }
  const row = messageRow(input, Number(bumped.last_seq))
  if (s.insert.run(...rowValues(row)).changes === 0) {
    s.rollbackTo.run()
    const stored = existing(s, input, version)
    if (!stored) throw new Error(`message ${input.clientMsgId} conflicted but is not stored`)
    return stored
  }
  if (input.senderId) s.readSeq.run(row.seq, input.conversationId, input.senderId, row.seq)
  for (const userId of input.mentions ?? []) s.mention.run(...mentionValues(row, [userId]))
  return { message: toMessage(row), created: true, membershipVersion: version }
}

/** The message stored earlier under this send's idempotency key, if any. */
function existing(s: ReturnType<typeof prepare>, input: AppendMessage, version: number): Appended | null {
  if (!input.senderId) return null
  const row = s.lookup.get(input.conversationId, input.senderId, input.clientMsgId)
  return row ? { message: toMessage(row), created: false, membershipVersion: version } : null
}
