import { sql, type Kysely, type Selectable, type Transaction } from 'kysely'
import type { Message, MessageType, ReactionSummary } from '../../domain/messages/message.js'
import { newId } from '../../shared/ids.js'
import { isTransientDbError } from './capabilities.js'
import type { Capabilities } from './capabilities.js'
import type { Database, MessagesTable } from './db-schema.js'

export function toMessage(row: Selectable<MessagesTable>): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    clientMsgId: row.client_msg_id,
    type: row.type as MessageType,
    content: row.recalled_at == null ? (JSON.parse(row.content) as Record<string, unknown>) : {},
    createdAt: Number(row.created_at),
    editedAt: row.edited_at == null ? null : Number(row.edited_at),
    recalledAt: row.recalled_at == null ? null : Number(row.recalled_at),
    modSeq: Number(row.mod_seq),
    reactions: row.reactions ? (JSON.parse(row.reactions) as ReactionSummary[]) : [],
  }
}

export interface AppendInput {
  conversationId: string
  senderId: string | null
  clientMsgId: string
  type: MessageType
  content: Record<string, unknown>
  now: number
}

/**
 * Appends a message inside the caller's transaction and returns it with its `seq`.
 *
 * The conversation's counter row is bumped first (`last_seq + 1`), which locks it until
 * commit, so concurrent senders get consecutive seqs with no gaps: PostgreSQL/SQLite read it
 * back with `UPDATE ... RETURNING`, MySQL with `LAST_INSERT_ID(expr)`. Idempotency is the
 * caller's lookup before this plus the unique key `(conversation, sender, clientMsgId)`:
 * a racing duplicate makes the insert fail, the whole transaction rolls back (the counter
 * bump with it), and `appendIdempotent` returns the stored message.
 */
/** A new message row at `seq`: the one place a message's columns are filled. */
export function messageRow(input: AppendInput, seq: number): MessagesTable {
  return {
    conversation_id: input.conversationId,
    seq,
    id: newId(),
    sender_id: input.senderId,
    client_msg_id: input.clientMsgId,
    type: input.type,
    content: JSON.stringify(input.content),
    created_at: input.now,
    edited_at: null,
    recalled_at: null,
    mod_seq: 0,
    reactions: null,
  }
}

export async function appendInTx(trx: Transaction<Database>, caps: Capabilities, input: AppendInput): Promise<Message> {
  const seq = await bumpCounter(trx, caps, input.conversationId, 'last_seq', input.now)
  const row = messageRow(input, seq)
  await trx.insertInto('messages').values(row).execute()
  if (input.senderId) {
    // sending reads everything before it
    await trx
      .updateTable('conversation_members')
      .set({ read_seq: seq })
      .where('conversation_id', '=', input.conversationId)
      .where('user_id', '=', input.senderId)
      .where('read_seq', '<', seq)
      .execute()
  }
  return toMessage(row)
}

/**
 * Increments `last_seq` (with `last_message_at`) or `mod_seq` of a conversation and returns
 * the new value. Throws if the conversation row does not exist.
 */
export async function bumpCounter(
  trx: Transaction<Database>,
  caps: Capabilities,
  conversationId: string,
  column: 'last_seq' | 'mod_seq' | 'membership_version',
  now: number,
): Promise<number> {
  const col = sql.ref(column)
  const touch = column === 'last_seq' ? sql`, last_message_at = ${now}` : sql``
  if (caps.supportsReturning) {
    const result = await sql<{
      value: number
    }>`UPDATE conversations SET ${col} = ${col} + 1${touch} WHERE id = ${conversationId} RETURNING ${col} AS value`.execute(trx)
    const value = result.rows[0]?.value
    if (value === undefined) throw new Error(`conversation ${conversationId} does not exist`)
    return Number(value)
  }
  const result = await sql`UPDATE conversations SET ${col} = LAST_INSERT_ID(${col} + 1)${touch} WHERE id = ${conversationId}`.execute(trx)
  if (Number(result.numAffectedRows ?? 0) === 0) throw new Error(`conversation ${conversationId} does not exist`)
  const read = await sql<{ value: number }>`SELECT LAST_INSERT_ID() AS value`.execute(trx)
  return Number(read.rows[0]!.value)
}

/** Finds a message by its idempotency key. */
export async function findByClientMsgId(
  db: Kysely<Database>,
  conversationId: string,
  senderId: string,
  clientMsgId: string,
): Promise<Message | null> {
  const row = await db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('sender_id', '=', senderId)
    .where('client_msg_id', '=', clientMsgId)
    .executeTakeFirst()
  return row ? toMessage(row) : null
}

/**
 * Runs `work` in a transaction, retrying a bounded number of times on deadlocks,
 * serialization failures and SQLITE_BUSY (the work must be safe to repeat).
 */
export async function withTransaction<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work)
    } catch (err) {
      if (attempt >= attempts || !isTransientDbError(err)) throw err
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10))
    }
  }
}

/** Creates a conversation row (counters at 0). */
export async function insertConversation(
  trx: Transaction<Database>,
  c: { id: string; kind: 'direct' | 'group' | 'world'; pairKey?: string | null; groupId?: string | null; now: number },
): Promise<void> {
  await trx
    .insertInto('conversations')
    .values({
      id: c.id,
      kind: c.kind,
      pair_key: c.pairKey ?? null,
      group_id: c.groupId ?? null,
      last_seq: 0,
      mod_seq: 0,
      membership_version: 0,
      last_message_at: null,
      created_at: c.now,
    })
    .execute()
}
