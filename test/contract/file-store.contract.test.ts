import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { newId } from '../../src/shared/ids.js'
import type { FileStore } from '../../src/store/file-store.js'
import { LocalFileStore } from '../../src/store/local/local-file-store.js'
import { CHUNK_BYTES, SqlFileStore } from '../../src/store/sql/sql-file-store.js'
import { describeEachStore } from './store-contract.js'

/** Bytes with every value 0-255 and a pattern that catches reordered chunks. */
function bytes(length: number, salt = 0): Buffer {
  const b = Buffer.alloc(length)
  for (let i = 0; i < length; i++) b[i] = (i * 31 + salt + (i >> 10)) & 0xff
  return b
}

/** The one behaviour suite every FileStore passes (local directory, sql on each dialect). */
function fileStoreContract(store: () => FileStore): void {
  it('should return exactly the bytes that were put, every byte value included', async () => {
    const id = newId()
    const data = bytes(4096)
    await store().put(id, data)
    const got = await store().get(id)
    expect(got).not.toBeNull()
    expect(Buffer.compare(got!, data)).toBe(0)
  })

  it('should keep large files whole and in order (several sql chunks)', async () => {
    const id = newId()
    const data = bytes(CHUNK_BYTES * 2 + 12_345, 7)
    await store().put(id, data)
    expect(Buffer.compare((await store().get(id))!, data)).toBe(0)
  })

  it('should store an empty file as empty, not as missing', async () => {
    const id = newId()
    await store().put(id, new Uint8Array(0))
    const got = await store().get(id)
    expect(got).not.toBeNull()
    expect(got!.length).toBe(0)
  })

  it('should replace bytes on a second put, including a shorter one', async () => {
    const id = newId()
    await store().put(id, bytes(CHUNK_BYTES + 10, 1))
    await store().put(id, bytes(10, 2))
    expect(Buffer.compare((await store().get(id))!, bytes(10, 2))).toBe(0)
  })

  it('should keep a file and its thumbnail apart', async () => {
    const id = newId()
    await store().put(id, bytes(100, 3))
    await store().put(`${id}.thumb`, bytes(50, 4))
    expect((await store().get(id))!.length).toBe(100)
    expect((await store().get(`${id}.thumb`))!.length).toBe(50)
    await store().delete(`${id}.thumb`)
    expect(await store().get(`${id}.thumb`)).toBeNull()
    expect((await store().get(id))!.length).toBe(100)
  })

  it('should answer null for a missing key and delete quietly, twice', async () => {
    const id = newId()
    expect(await store().get(id)).toBeNull()
    await store().put(id, bytes(10))
    await store().delete(id)
    await store().delete(id)
    expect(await store().get(id)).toBeNull()
  })

  it('should handle concurrent puts of different files', async () => {
    const ids = Array.from({ length: 12 }, () => newId())
    await Promise.all(ids.map((id, i) => store().put(id, bytes(1000 + i, i))))
    const got = await Promise.all(ids.map((id) => store().get(id)))
    got.forEach((b, i) => expect(Buffer.compare(b!, bytes(1000 + i, i))).toBe(0))
  })

  it('should refuse keys that are not server-made file ids', async () => {
    for (const key of ['../../etc/passwd', 'a', `${newId()}/x`, `${newId()}.svg`, '', `${newId().toLowerCase()}`]) {
      await expect(store().put(key, bytes(1))).rejects.toThrow(/not a file key/)
      await expect(store().get(key)).rejects.toThrow(/not a file key/)
      await expect(store().delete(key)).rejects.toThrow(/not a file key/)
    }
  })
}

describe('local: FileStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'jim-files-'))
  const store = new LocalFileStore(root)
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  fileStoreContract(() => store)

  it('should shard files into two-character folders named by the id, leaving no temporary files', async () => {
    const id = newId()
    await store.put(id, bytes(10))
    const shard = id.slice(24, 26)
    expect(readdirSync(join(root, shard))).toContain(id)
    for (const dir of readdirSync(root)) {
      expect(dir).toMatch(/^[0-9A-HJKMNP-TV-Z]{2}$/)
      expect(readdirSync(join(root, dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
    }
  })
})

describeEachStore('sql: FileStore', (ctx) => {
  let store: SqlFileStore | null = null
  fileStoreContract(() => (store ??= new SqlFileStore(ctx().database.db)))
})
