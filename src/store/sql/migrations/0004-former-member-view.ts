import type { Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'

/**
 * What a member saw of their group when they left (name and avatar), so a former member keeps
 * seeing the group as it was, not its later renames (issue 16, finding 10). Null for current
 * members and for those who left before this migration (they see the current group).
 */
export function up(_caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.alterTable('conversation_members').addColumn('left_group_name', 'varchar(64)').execute()
    await db.schema.alterTable('conversation_members').addColumn('left_group_avatar_file_id', 'varchar(26)').execute()
  }
}
