import { Migrator } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { ensureDatabaseExists, migrateToLatest, openDatabase, type SqlDatabase } from '../../src/store/sql/database.js'
import { migrations } from '../../src/store/sql/migrations/index.js'
import { newId } from '../../src/shared/ids.js'
import { createTestDatabase, dialectAvailable, dialectsUnderTest, type TestDatabase } from '../helpers/databases.js'

/** A database migrated up to just before the world backfill, as an older JIM left it. */
async function beforeBackfill(t: TestDatabase): Promise<SqlDatabase> {
  const settings = {
    storage: { driver: t.dialect, url: t.overrides['storage.url'] as string, poolSize: 2 },
    dataDir: t.overrides.dataDir as string,
  }
  await ensureDatabaseExists(settings)
  const database = openDatabase(settings)
  const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations(database.caps) } })
  const names = Object.keys(migrations(database.caps))
  const { error } = await migrator.migrateTo(names[names.indexOf('0007-world-members') - 1]!)
  if (error) throw error
  return database
}

function user(id: string, state = 'active') {
  const name = id.toLowerCase()
  return {
    id,
    username: name,
    nickname: name,
    nickname_lower: name,
    password_hash: 'x',
    email: null,
    email_verified_at: null,
    bio: '',
    avatar_file_id: null,
    status: 'online',
    role: 'user',
    state,
    created_at: 1,
    updated_at: 1,
  }
}

for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: migration 0007 makes every active user a world member`, async () => {
    if (!(await dialectAvailable(dialect))) return
    let t: TestDatabase
    let database: SqlDatabase
    afterEach(async () => {
      await database?.db.destroy()
      await t?.cleanup()
    })

    it('should add the users the lazy join missed, joined after the last message with nothing unread, and keep existing rows', async () => {
      t = createTestDatabase(dialect)
      database = await beforeBackfill(t)
      const { db } = database
      const [early, never, gone] = [newId(), newId(), newId()]
      await db
        .insertInto('users')
        .values([user(early), user(never), user(gone, 'deleted')])
        .execute()
      const worldId = newId()
      await db
        .insertInto('conversations')
        .values({
          id: worldId,
          kind: 'world',
          pair_key: 'world',
          group_id: null,
          last_seq: 7,
          mod_seq: 0,
          membership_version: 3,
          last_message_at: 5,
          created_at: 1,
        })
        .execute()
      // `early` opened the world once under the old rule (join_seq 1, all history)
      const earlyRow = {
        conversation_id: worldId,
        user_id: early,
        role: 'member',
        join_seq: 1,
        left_seq: null,
        read_seq: 4,
        cleared_seq: 0,
        pinned: 0,
        muted: 0,
        silenced_until: null,
        group_nickname: '',
        joined_at: 1,
        updated_at: 1,
      }
      await db.insertInto('conversation_members').values(earlyRow).execute()

      expect(await migrateToLatest(database)).toContain('0007-world-members')

      const rows = await db
        .selectFrom('conversation_members')
        .selectAll()
        .where('conversation_id', '=', worldId)
        .orderBy('user_id')
        .execute()
      const byUser = new Map(rows.map((r) => [r.user_id, r]))
      expect(byUser.has(gone)).toBe(false)
      expect(Number(byUser.get(early)!.join_seq)).toBe(1)
      expect(Number(byUser.get(early)!.read_seq)).toBe(4)
      expect({
        join: Number(byUser.get(never)!.join_seq),
        read: Number(byUser.get(never)!.read_seq),
        left: byUser.get(never)!.left_seq,
      }).toEqual({
        join: 8,
        read: 7,
        left: null,
      })
      const world = await db.selectFrom('conversations').select('membership_version').where('id', '=', worldId).executeTakeFirstOrThrow()
      expect(Number(world.membership_version)).toBe(4)
    })

    it('should create the world conversation when users exist but nobody ever opened it', async () => {
      t = createTestDatabase(dialect)
      database = await beforeBackfill(t)
      const { db } = database
      const id = newId()
      await db.insertInto('users').values(user(id)).execute()
      await migrateToLatest(database)
      const world = await db.selectFrom('conversations').selectAll().where('pair_key', '=', 'world').executeTakeFirstOrThrow()
      expect(world.kind).toBe('world')
      const member = await db
        .selectFrom('conversation_members')
        .selectAll()
        .where('conversation_id', '=', world.id)
        .executeTakeFirstOrThrow()
      expect({ user: member.user_id, join: Number(member.join_seq), read: Number(member.read_seq) }).toEqual({ user: id, join: 1, read: 0 })
    })
  })
}
