import { sql, type Kysely } from 'kysely'
import type { SqlDatabase } from '../store/sql/database.js'
import { untyped, type CopiedTable, type UntypedTables } from './copy-tables.js'

/**
 * Compares source and target after a copy: row counts of every copied table, and per
 * conversation its counters (`last_seq`, `mod_seq`) and its messages' count and last seq.
 * Returns what differs, in words; empty when the copy is faithful.
 */
export async function verifyCopy(source: SqlDatabase, target: SqlDatabase, tables: readonly CopiedTable[]): Promise<string[]> {
  const problems: string[] = []
  for (const { name } of tables) {
    const [a, b] = await Promise.all([countRows(untyped(source.db), name), countRows(untyped(target.db), name)])
    if (a !== b) problems.push(`${name}: ${a} rows in the source, ${b} in the target`)
  }
  const [from, to] = await Promise.all([conversationFacts(untyped(source.db)), conversationFacts(untyped(target.db))])
  for (const [id, facts] of from) {
    const copied = to.get(id)
    if (copied !== facts) problems.push(`conversation ${id}: source ${facts}, target ${copied ?? 'missing'}`)
  }
  return problems
}

async function countRows(db: Kysely<UntypedTables>, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select(sql<number>`COUNT(*)`.as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** conversation id → "last_seq a, mod_seq b, n messages, last message seq c" */
async function conversationFacts(db: Kysely<UntypedTables>): Promise<Map<string, string>> {
  const counters = await db.selectFrom('conversations').select(['id', 'last_seq', 'mod_seq']).execute()
  const messages = await db
    .selectFrom('messages')
    .select(['conversation_id', sql<number>`COUNT(*)`.as('n'), sql<number>`MAX(seq)`.as('last')])
    .groupBy('conversation_id')
    .execute()
  const byId = new Map(messages.map((m) => [String(m.conversation_id), m]))
  return new Map(
    counters.map((c) => {
      const m = byId.get(String(c.id))
      return [
        c.id as string,
        `last_seq ${Number(c.last_seq)}, mod_seq ${Number(c.mod_seq)}, ${Number(m?.n ?? 0)} messages, last message seq ${Number(m?.last ?? 0)}`,
      ]
    }),
  )
}
