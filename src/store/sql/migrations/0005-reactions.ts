import type { Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'

/**
 * Emoji reactions. `message_reactions` holds one row per (message, emoji, user); the message row
 * keeps a small summary (`messages.reactions`: per emoji its count and first reactors, as JSON)
 * rewritten in the same transaction, so history and `changedSince` pages read no other table.
 */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const id = 'varchar(26)'
    await db.schema.alterTable('messages').addColumn('reactions', 'text').execute()
    await db.schema
      .createTable('message_reactions')
      .$call(caps.tableOptions)
      .addColumn('conversation_id', id, (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('emoji', 'varchar(64)', (c) => c.notNull())
      .addColumn('user_id', id, (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_reactions_pk', ['conversation_id', 'seq', 'emoji', 'user_id'])
      .execute()
  }
}
