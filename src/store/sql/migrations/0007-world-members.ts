import type { Kysely } from 'kysely'
import { newId } from '../../../shared/ids.js'
import type { Capabilities } from '../capabilities.js'

const BATCH = 500

/**
 * Every active user is a member of the world channel from registration. Before this, the row was
 * made on a user's first `GET /conversations/world`, so a user (or an API client) that never asked
 * got no world pushes and had no world in their list. This gives every active user without a row
 * one, as a newcomer joins at registration: their range starts after the world's last message, read
 * up to it (no unread badge for what came before). Creates the world conversation if it is missing.
 * Frozen: plain values here, not the store's helpers, which may change after this migration.
 */
export function up(_caps: Capabilities) {
  return async (untyped: Kysely<unknown>): Promise<void> => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema of its time, not db-schema.ts
    const db = untyped as Kysely<any>
    const anyUser = await db.selectFrom('users').select('id').where('state', '<>', 'deleted').limit(1).executeTakeFirst()
    if (!anyUser) return
    const now = Date.now()
    let world = await db.selectFrom('conversations').select(['id', 'last_seq']).where('pair_key', '=', 'world').executeTakeFirst()
    if (!world) {
      world = { id: newId(now), last_seq: 0 }
      await db
        .insertInto('conversations')
        .values({
          id: world.id,
          kind: 'world',
          pair_key: 'world',
          group_id: null,
          last_seq: 0,
          mod_seq: 0,
          membership_version: 0,
          last_message_at: null,
          created_at: now,
        })
        .execute()
    }
    const worldId: string = world.id
    const lastSeq = Number(world.last_seq)
    let after = ''
    for (;;) {
      const batch = await db
        .selectFrom('users as u')
        .select('u.id')
        .where('u.state', '<>', 'deleted')
        .where('u.id', '>', after)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('conversation_members as m')
                .select('m.user_id')
                .where('m.conversation_id', '=', worldId)
                .whereRef('m.user_id', '=', 'u.id'),
            ),
          ),
        )
        .orderBy('u.id')
        .limit(BATCH)
        .execute()
      if (batch.length === 0) break
      await db
        .insertInto('conversation_members')
        .values(
          batch.map((u: { id: string }) => ({
            conversation_id: worldId,
            user_id: u.id,
            role: 'member',
            join_seq: lastSeq + 1,
            left_seq: null,
            read_seq: lastSeq,
            cleared_seq: 0,
            pinned: 0,
            muted: 0,
            silenced_until: null,
            group_nickname: '',
            joined_at: now,
            updated_at: now,
          })),
        )
        .execute()
      after = batch.at(-1)!.id as string
    }
    // the member set changed: instances refetch it (none run during a migration, but a rolling upgrade may)
    await db
      .updateTable('conversations')
      .set((eb) => ({ membership_version: eb('membership_version', '+', 1) }))
      .where('id', '=', worldId)
      .execute()
  }
}
