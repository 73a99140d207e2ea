import type { Kysely } from 'kysely'
import type { Capabilities } from './capabilities.js'
import { CompiledStatement } from './compiled-statement.js'
import type { Database } from './db-schema.js'

/** What a read mark did: the member's read_seq after it, and whether it moved. */
export interface ReadMark {
  readSeq: number
  moved: boolean
}

// What the member may read up to: their leave seq, else the conversation's last seq.
const VISIBLE = 'COALESCE(left_seq, (SELECT last_seq FROM conversations WHERE id = ?))'
// min(requested seq, VISIBLE), portable (SQLite has no LEAST); parameters: seq, conversation, seq, conversation
const TARGET = `CASE WHEN ? < ${VISIBLE} THEN ? ELSE ${VISIBLE} END`

/**
 * The read-mark hot path: one UPDATE clamps the requested seq to what the member may see and
 * moves read_seq forward only. It returns the new read_seq when it moved: RETURNING where the
 * database has it, else (MySQL) `LAST_INSERT_ID(expr)`, which the server hands back as the
 * statement's insert id. Only when nothing moved (a repeated or stale mark, a stranger) does a
 * second statement read the row.
 */
export class ReadMarkStatement {
  readonly #caps: Capabilities
  readonly #update: CompiledStatement<{ read_seq: number | string }>
  readonly #read: CompiledStatement<{ read_seq: number | string }>

  constructor(caps: Capabilities) {
    this.#caps = caps
    const set = caps.supportsReturning ? TARGET : `LAST_INSERT_ID(${TARGET})`
    this.#update = new CompiledStatement(
      caps,
      `UPDATE conversation_members SET read_seq = ${set}, updated_at = ?` +
        ` WHERE conversation_id = ? AND user_id = ? AND read_seq < ${TARGET}` +
        (caps.supportsReturning ? ' RETURNING read_seq' : ''),
    )
    this.#read = new CompiledStatement(caps, 'SELECT read_seq FROM conversation_members WHERE conversation_id = ? AND user_id = ?')
  }

  /** Null when the user never was a member. */
  async run(db: Kysely<Database>, conversationId: string, userId: string, seq: number, now: number): Promise<ReadMark | null> {
    const target = [seq, conversationId, seq, conversationId]
    const result = await this.#update.execute(db, [...target, now, conversationId, userId, ...target])
    if (this.#caps.supportsReturning) {
      const row = result.rows[0]
      if (row) return { readSeq: Number(row.read_seq), moved: true }
    } else if (Number(result.numAffectedRows ?? 0) > 0) {
      return { readSeq: Number(result.insertId), moved: true }
    }
    const current = (await this.#read.execute(db, [conversationId, userId])).rows[0]
    return current ? { readSeq: Number(current.read_seq), moved: false } : null
  }
}
