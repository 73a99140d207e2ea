import { open, rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { sql, type Kysely } from 'kysely'
import { assertFileKey, type ByteRange, type FileStore } from '../../domain/files/file-store.js'
import type { Database } from './db-schema.js'
import { withTransaction } from './message-appender.js'

/**
 * Bytes per row: far below MySQL's default 16 MiB packet limit, few rows for a large file.
 * Every chunk but the last is exactly this long (the stored format relies on it: a byte
 * offset maps to a chunk index), so it must never change for existing data.
 */
export const CHUNK_BYTES = 512 * 1024
/** below one chunk, so a stream holds about one chunk while its reader is slow */
const STREAM_HIGH_WATER_MARK = 64 * 1024

/**
 * File bytes in the database (`file_chunks`), so every instance of a cluster sees every file
 * without a shared disk. A file is written in one transaction: readers see all of it or none.
 * Reads fetch one chunk row at a time as the stream is consumed, so a download holds at most
 * about one chunk in memory however large the file.
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

  async putFile(key: string, path: string): Promise<void> {
    assertFileKey(key)
    await withTransaction(this.#db, async (trx) => {
      await trx.deleteFrom('file_chunks').where('file_key', '=', key).execute()
      const file = await open(path, 'r')
      try {
        const buffer = Buffer.alloc(CHUNK_BYTES)
        for (let idx = 0; ; idx++) {
          const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, idx * CHUNK_BYTES)
          // an empty file is one empty chunk, so it reads back as empty rather than missing
          if (bytesRead === 0 && idx > 0) break
          // each insert completes before the buffer is refilled
          await trx
            .insertInto('file_chunks')
            .values({ file_key: key, idx, bytes: buffer.subarray(0, bytesRead) })
            .execute()
          if (bytesRead < CHUNK_BYTES) break
        }
      } finally {
        await file.close()
      }
    })
    await rm(path, { force: true })
  }

  async size(key: string): Promise<number | null> {
    assertFileKey(key)
    // length() of a blob is its byte count on all three dialects, read without the bytes
    const row = await this.#db
      .selectFrom('file_chunks')
      .select([sql<number | string>`count(*)`.as('n'), sql<number | string | null>`sum(length(bytes))`.as('size')])
      .where('file_key', '=', key)
      .executeTakeFirst()
    if (!row || Number(row.n) === 0) return null
    return Number(row.size ?? 0)
  }

  async read(key: string, range?: ByteRange): Promise<Readable | null> {
    assertFileKey(key)
    const start = range?.start ?? 0
    const firstIdx = Math.floor(start / CHUNK_BYTES)
    const first = await this.#chunk(key, firstIdx)
    if (!first) return null
    const end = range?.end ?? Number.MAX_SAFE_INTEGER
    const lastIdx = Math.floor(end / CHUNK_BYTES)
    const chunk = (idx: number) => this.#chunk(key, idx)
    async function* chunks(): AsyncGenerator<Buffer> {
      let bytes: Buffer | null = first
      for (let idx = firstIdx; idx <= lastIdx; idx++) {
        if (idx > firstIdx) bytes = await chunk(idx)
        // with a range the caller checked against the size, a missing or short chunk means
        // the file was deleted (or damaged) while it was read: fail rather than end early
        if (!bytes) {
          if (range) throw new Error(`file ${key} lost chunk ${idx} while it was read`)
          return
        }
        const from = idx === firstIdx ? start - idx * CHUNK_BYTES : 0
        const to = Math.min(bytes.length, end - idx * CHUNK_BYTES + 1)
        if (to > from) yield bytes.subarray(from, to)
        if (bytes.length < CHUNK_BYTES) {
          if (range && idx < lastIdx) throw new Error(`file ${key} has a short chunk ${idx}`)
          return
        }
      }
    }
    return Readable.from(chunks(), { objectMode: false, highWaterMark: STREAM_HIGH_WATER_MARK })
  }

  async delete(key: string): Promise<void> {
    assertFileKey(key)
    await this.#db.deleteFrom('file_chunks').where('file_key', '=', key).execute()
  }

  async #chunk(key: string, idx: number): Promise<Buffer | null> {
    const row = await this.#db
      .selectFrom('file_chunks')
      .select('bytes')
      .where('file_key', '=', key)
      .where('idx', '=', idx)
      .executeTakeFirst()
    return row ? toBuffer(row.bytes) : null
  }
}

/** better-sqlite3, mysql2 and pg all return Buffers; be tolerant of a plain Uint8Array. */
function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}
