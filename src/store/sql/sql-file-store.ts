import type { Kysely } from 'kysely'
import { assertFileKey, type FileStore } from '../file-store.js'
import type { Database } from './db-schema.js'
import { withTransaction } from './message-appender.js'

/** Bytes per row: far below MySQL's default 16 MiB packet limit, few rows for a large file. */
export const CHUNK_BYTES = 512 * 1024

/**
 * File bytes in the database (`file_chunks`), so every instance of a cluster sees every file
 * without a shared disk. A file is written in one transaction: readers see all of it or none.
 */
export class SqlFileStore implements FileStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    assertFileKey(key)
    await withTransaction(this.#db, async (trx) => {
      await trx.deleteFrom('file_chunks').where('file_key', '=', key).execute()
      for (let idx = 0, offset = 0; offset < bytes.length || idx === 0; idx++, offset += CHUNK_BYTES) {
        const chunk = Buffer.from(bytes.buffer, bytes.byteOffset + offset, Math.min(CHUNK_BYTES, bytes.length - offset))
        await trx.insertInto('file_chunks').values({ file_key: key, idx, bytes: chunk }).execute()
      }
    })
  }

  async get(key: string): Promise<Buffer | null> {
    assertFileKey(key)
    const rows = await this.#db.selectFrom('file_chunks').select('bytes').where('file_key', '=', key).orderBy('idx').execute()
    if (rows.length === 0) return null
    return Buffer.concat(rows.map((r) => toBuffer(r.bytes)))
  }

  async delete(key: string): Promise<void> {
    assertFileKey(key)
    await this.#db.deleteFrom('file_chunks').where('file_key', '=', key).execute()
  }
}

/** better-sqlite3, mysql2 and pg all return Buffers; be tolerant of a plain Uint8Array. */
function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}
