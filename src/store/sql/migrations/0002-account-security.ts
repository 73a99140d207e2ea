import type { Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'

/**
 * E-mail codes (binding an address, password reset). Only an HMAC of each code is stored, so
 * a database leak does not hand out working codes. One live code per (user, purpose): issuing a
 * new one deletes the older ones in the same transaction.
 */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('email_codes')
      .$call(caps.tableOptions)
      .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(26)', (c) => c.notNull())
      .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
      .addColumn('email', 'varchar(254)', (c) => c.notNull())
      .addColumn('code_hash', 'char(64)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('email_codes_user_purpose').on('email_codes').columns(['user_id', 'purpose']).execute()
    await db.schema.createIndex('email_codes_expires').on('email_codes').column('expires_at').execute()
  }
}
