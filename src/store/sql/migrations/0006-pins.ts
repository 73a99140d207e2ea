import type { Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'

/** Pinned messages: a bounded list per conversation (the limit is config, checked in the pin's transaction). */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const id = 'varchar(26)'
    await db.schema
      .createTable('pinned_messages')
      .$call(caps.tableOptions)
      .addColumn('conversation_id', id, (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('pinned_by', id, (c) => c.notNull())
      .addColumn('pinned_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pinned_messages_pk', ['conversation_id', 'seq'])
      .execute()
  }
}
