import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { newId } from '../../src/shared/ids.js'
import type { ByteRange, FileStore } from '../../src/domain/files/file-store.js'
import { LocalFileStore } from '../../src/store/local/local-file-store.js'
import { CHUNK_BYTES, SqlFileStore } from '../../src/store/sql/sql-file-store.js'
import { describeEachStore } from './store-contract.js'

/** Bytes with every value 0-255 and a pattern that catches reordered chunks. */
function bytes(length: number, salt = 0): Buffer {
  const b = Buffer.alloc(length)
  for (let i = 0; i < length; i++) b[i] = (i * 31 + salt + (i >> 10)) & 0xff
  return b
}

/** Reads a whole stream (what a download would send), or null for a missing key. */
async function readAll(store: FileStore, key: string, range?: ByteRange): Promise<Buffer | null> {
  const stream = await store.read(key, range)
  if (!stream) return null
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** A temporary file holding `data`, as an upload leaves it before it is moved into the store. */
function tempFile(data: Buffer): string {
  const path = join(tmpRoot, `upload-${newId()}`)
  writeFileSync(path, data)
  return path
}

const tmpRoot = mkdtempSync(join(tmpdir(), 'jim-uploads-'))
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }))

/** The one behaviour suite every FileStore passes (local directory, sql on each dialect). */
function fileStoreContract(store: () => FileStore): void {
  const get = (key: string, range?: ByteRange) => readAll(store(), key, range)
  it('should return exactly the bytes that were put, every byte value included', async () => {
    const id = newId()
    const data = bytes(4096)
    await store().put(id, data)
    const got = await get(id)
    expect(got).not.toBeNull()
    expect(Buffer.compare(got!, data)).toBe(0)
  })

  it('should keep large files whole and in order (several sql chunks)', async () => {
    const id = newId()
    const data = bytes(CHUNK_BYTES * 2 + 12_345, 7)
    await store().put(id, data)
    expect(Buffer.compare((await get(id))!, data)).toBe(0)
  })

  it('should store an empty file as empty, not as missing', async () => {
    const id = newId()
    await store().put(id, new Uint8Array(0))
    const got = await get(id)
    expect(got).not.toBeNull()
    expect(got!.length).toBe(0)
  })

  it('should replace bytes on a second put, including a shorter one', async () => {
    const id = newId()
    await store().put(id, bytes(CHUNK_BYTES + 10, 1))
    await store().put(id, bytes(10, 2))
    expect(Buffer.compare((await get(id))!, bytes(10, 2))).toBe(0)
  })

  it('should keep a file and its thumbnail apart', async () => {
    const id = newId()
    await store().put(id, bytes(100, 3))
    await store().put(`${id}.thumb`, bytes(50, 4))
    expect((await get(id))!.length).toBe(100)
    expect((await get(`${id}.thumb`))!.length).toBe(50)
    await store().delete(`${id}.thumb`)
    expect(await get(`${id}.thumb`)).toBeNull()
    expect((await get(id))!.length).toBe(100)
  })

  it('should answer null for a missing key and delete quietly, twice', async () => {
    const id = newId()
    expect(await get(id)).toBeNull()
    await store().put(id, bytes(10))
    await store().delete(id)
    await store().delete(id)
    expect(await get(id)).toBeNull()
  })

  it('should handle concurrent puts of different files', async () => {
    const ids = Array.from({ length: 12 }, () => newId())
    await Promise.all(ids.map((id, i) => store().put(id, bytes(1000 + i, i))))
    const got = await Promise.all(ids.map((id) => get(id)))
    got.forEach((b, i) => expect(Buffer.compare(b!, bytes(1000 + i, i))).toBe(0))
  })

  it('should move a temporary file into the store whole, leaving nothing at its old path', async () => {
    for (const length of [0, 10, CHUNK_BYTES, CHUNK_BYTES * 3 + 7]) {
      const id = newId()
      const data = bytes(length, length)
      const path = tempFile(data)
      await store().putFile(id, path)
      expect(existsSync(path)).toBe(false)
      expect(await store().size(id)).toBe(length)
      expect(Buffer.compare((await get(id))!, data)).toBe(0)
    }
  })

  it('should replace bytes put before with a moved file', async () => {
    const id = newId()
    await store().put(id, bytes(CHUNK_BYTES * 2, 1))
    await store().putFile(id, tempFile(bytes(99, 2)))
    expect(await store().size(id)).toBe(99)
    expect(Buffer.compare((await get(id))!, bytes(99, 2))).toBe(0)
  })

  it('should report the size of stored bytes, and null for a missing key', async () => {
    const id = newId()
    expect(await store().size(id)).toBeNull()
    await store().put(id, bytes(CHUNK_BYTES + 5))
    expect(await store().size(id)).toBe(CHUNK_BYTES + 5)
    await store().put(`${id}.thumb`, new Uint8Array(0))
    expect(await store().size(`${id}.thumb`)).toBe(0)
  })

  it('should stream exactly the bytes of a range, within one chunk and across chunk borders', async () => {
    const id = newId()
    const size = CHUNK_BYTES * 3 + 1000
    const data = bytes(size, 9)
    await store().putFile(id, tempFile(data))
    const ranges: ByteRange[] = [
      { start: 0, end: 0 },
      { start: 10, end: 99 },
      { start: CHUNK_BYTES - 3, end: CHUNK_BYTES + 2 },
      { start: CHUNK_BYTES, end: CHUNK_BYTES * 2 - 1 },
      { start: 5, end: CHUNK_BYTES * 2 + 17 },
      { start: size - 1, end: size - 1 },
      { start: CHUNK_BYTES * 3, end: size - 1 },
      { start: 0, end: size - 1 },
    ]
    for (const range of ranges) {
      const got = await get(id, range)
      expect(got!.length).toBe(range.end - range.start + 1)
      expect(Buffer.compare(got!, data.subarray(range.start, range.end + 1))).toBe(0)
    }
  })

  it('should fail a read whose bytes were deleted while the range was being streamed', async () => {
    const id = newId()
    await store().put(id, bytes(CHUNK_BYTES * 4))
    const stream = await store().read(id, { start: 0, end: CHUNK_BYTES * 4 - 1 })
    await store().delete(id)
    const drained = (async () => {
      let n = 0
      for await (const chunk of stream!) n += (chunk as Buffer).length
      return n
    })()
    // a local file stays readable through its open descriptor; the sql store must not end short silently
    const outcome = await drained.then(
      (n) => ({ ok: true, n }),
      (err: Error) => ({ ok: false, message: err.message }),
    )
    if (outcome.ok) expect(outcome).toEqual({ ok: true, n: CHUNK_BYTES * 4 })
    else expect(outcome).toMatchObject({ ok: false, message: expect.stringMatching(/lost chunk/) })
  })

  it('should refuse keys that are not server-made file ids', async () => {
    for (const key of ['../../etc/passwd', 'a', `${newId()}/x`, `${newId()}.svg`, '', `${newId().toLowerCase()}`]) {
      await expect(store().put(key, bytes(1))).rejects.toThrow(/not a file key/)
      await expect(store().read(key)).rejects.toThrow(/not a file key/)
      await expect(store().size(key)).rejects.toThrow(/not a file key/)
      await expect(store().putFile(key, join(tmpRoot, 'none'))).rejects.toThrow(/not a file key/)
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
