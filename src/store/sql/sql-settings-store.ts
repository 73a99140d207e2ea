import type { Kysely } from 'kysely'
import type { SettingsStore } from '../../domain/settings-store.js'
import type { Database } from './db-schema.js'

export class SqlSettingsStore implements SettingsStore {
  readonly #db: Kysely<Database>
  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async get(key: string): Promise<string | null> {
    const row = await this.#db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst()
    return row?.value ?? null
  }

  async set(key: string, value: string, now: number): Promise<void> {
    // update-then-insert is portable; a lost insert race means another writer set it just now
    const result = await this.#db.updateTable('settings').set({ value, updated_at: now }).where('key', '=', key).executeTakeFirst()
    if (Number(result.numUpdatedRows) > 0) return
    try {
      await this.#db.insertInto('settings').values({ key, value, updated_at: now }).execute()
    } catch {
      await this.#db.updateTable('settings').set({ value, updated_at: now }).where('key', '=', key).execute()
    }
  }
}
