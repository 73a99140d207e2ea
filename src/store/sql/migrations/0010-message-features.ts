import type { Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'

/**
 * Delete for me and mentions (issue 18).
 * - `hidden_messages`: one row per message a user hid on their devices; `mod_seq` is the
 *   conversation's mod_seq the hide took, so `changedSince`/resume tell the user's other devices.
 * - `message_mentions`: who a message mentions (`user_id`, or `*` for @all), one row each, so
 *   the conversation list counts unread mentions with a range scan above the reader's read_seq.
 * - `users.mention_alert_muted`: a mention of me alerts even in a chat I muted (1, the default).
 */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const id = 'varchar(26)'
    await db.schema
      .createTable('hidden_messages')
      .$call(caps.tableOptions)
      .addColumn('user_id', id, (c) => c.notNull())
      .addColumn('conversation_id', id, (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('mod_seq', 'bigint', (c) => c.notNull())
      .addColumn('hidden_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('hidden_messages_pk', ['user_id', 'conversation_id', 'seq'])
      .execute()
    await db.schema
      .createTable('message_mentions')
      .$call(caps.tableOptions)
      .addColumn('conversation_id', id, (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('user_id', id, (c) => c.notNull())
      .addColumn('sender_id', id, (c) => c.notNull())
      .addPrimaryKeyConstraint('message_mentions_pk', ['conversation_id', 'seq', 'user_id'])
      .execute()
    await db.schema
      .alterTable('users')
      .addColumn('mention_alert_muted', 'integer', (c) => c.notNull().defaultTo(1))
      .execute()
  }
}
