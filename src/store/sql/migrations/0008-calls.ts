import type { Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'

/**
 * Voice and video calls. `live_conversation_id` is the conversation's id while the call has not
 * ended and NULL after: its unique index allows one running call per conversation (NULLs never
 * collide), which is how two instances racing to start a call see one winner.
 */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const id = 'varchar(26)'
    await db.schema
      .createTable('calls')
      .$call(caps.tableOptions)
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('conversation_id', id, (c) => c.notNull())
      .addColumn('live_conversation_id', id)
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('media', 'varchar(8)', (c) => c.notNull())
      .addColumn('state', 'varchar(8)', (c) => c.notNull())
      .addColumn('initiator_id', id, (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('answered_at', 'bigint')
      .addColumn('ended_at', 'bigint')
      .addColumn('end_reason', 'varchar(16)')
      .addUniqueConstraint('calls_live_conversation', ['live_conversation_id'])
      .execute()
    await db.schema.createIndex('calls_conversation').on('calls').columns(['conversation_id', 'created_at']).execute()
    await db.schema.createIndex('calls_state').on('calls').columns(['state', 'created_at']).execute()
    await db.schema
      .createTable('call_participants')
      .$call(caps.tableOptions)
      .addColumn('call_id', id, (c) => c.notNull())
      .addColumn('user_id', id, (c) => c.notNull())
      .addColumn('state', 'varchar(10)', (c) => c.notNull())
      .addColumn('connection_id', id)
      .addColumn('muted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('camera_off', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('joined_at', 'bigint')
      .addColumn('left_at', 'bigint')
      .addColumn('last_seen', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('call_participants_pk', ['call_id', 'user_id'])
      .execute()
    await db.schema.createIndex('call_participants_user').on('call_participants').columns(['user_id', 'state']).execute()
    await db.schema.createIndex('call_participants_state').on('call_participants').columns(['state', 'last_seen']).execute()
  }
}
