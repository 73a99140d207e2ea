import type { Kysely } from 'kysely'
import { openDatabase } from '../../src/store/sql/database.js'
import type { Database } from '../../src/store/sql/db-schema.js'
import type { TestApp } from '../helpers/test-app.js'

/** A second connection to the test app's database, to check rows the API does not show. */
export function openTestDb(t: TestApp): Kysely<Database> {
  return openDatabase(t.app.config).db
}

export { befriend, createGroup } from '../helpers/social.js'

/** The conversation's messages in seq order, content parsed. */
export async function messagesOf(db: Kysely<Database>, conversationId: string) {
  const rows = await db
    .selectFrom('messages')
    .select(['seq', 'type', 'sender_id', 'content'])
    .where('conversation_id', '=', conversationId)
    .orderBy('seq')
    .execute()
  return rows.map((r) => ({ seq: Number(r.seq), type: r.type, senderId: r.sender_id, content: JSON.parse(r.content) }))
}

/** A user's membership row (current or ended), or undefined. */
export async function membershipOf(db: Kysely<Database>, conversationId: string, userId: string) {
  const row = await db
    .selectFrom('conversation_members')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row && { role: row.role, joinSeq: Number(row.join_seq), leftSeq: row.left_seq == null ? null : Number(row.left_seq) }
}
