import type { Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'

/**
 * Notifications for people who are not looking: Web Push subscriptions (one per device,
 * owned by the session that made it), each user's notification settings (previews, quiet hours,
 * e-mail digest), and which conversations have a push showing (so a read elsewhere clears it).
 */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const table = (name: string) => db.schema.createTable(name).$call(caps.tableOptions)
    const id = 'varchar(26)'

    await table('push_subscriptions')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('user_id', id, (c) => c.notNull())
      .addColumn('session_id', id, (c) => c.notNull())
      // endpoints are long URLs: unique through their hash (MySQL caps index length)
      .addColumn('endpoint_sha256', 'char(64)', (c) => c.notNull().unique())
      .addColumn('endpoint', 'varchar(2048)', (c) => c.notNull())
      .addColumn('p256dh', 'varchar(128)', (c) => c.notNull())
      .addColumn('auth', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('push_subscriptions_user').on('push_subscriptions').column('user_id').execute()
    await db.schema.createIndex('push_subscriptions_session').on('push_subscriptions').column('session_id').execute()

    await table('notification_settings')
      .addColumn('user_id', id, (c) => c.primaryKey())
      .addColumn('previews', 'integer', (c) => c.notNull())
      // quiet hours as minutes of the day in `time_zone`; null: none
      .addColumn('quiet_start', 'integer')
      .addColumn('quiet_end', 'integer')
      .addColumn('time_zone', 'varchar(64)', (c) => c.notNull())
      .addColumn('email_digest', 'integer', (c) => c.notNull())
      .addColumn('digest_sent_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('notification_settings_digest').on('notification_settings').column('email_digest').execute()

    await table('push_shown')
      .addColumn('user_id', id, (c) => c.notNull())
      .addColumn('conversation_id', id, (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('push_shown_pk', ['user_id', 'conversation_id'])
      .execute()
  }
}
