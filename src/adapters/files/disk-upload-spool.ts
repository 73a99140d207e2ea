import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { newId } from '../../shared/ids.js'
import { HEAD_BYTES, type ReceiveOptions, type SpooledUpload, type UploadSpool } from '../../domain/files/upload-spool.js'

const SUFFIX = '.upload'

/**
 * Temporary files for uploads in flight, in one directory. An upload is written to disk as
 * it arrives (never gathered in memory), hashed on the way, and its size limit enforced as
 * it grows; the caller moves the finished file into the FileStore or discards it.
 */
export class DiskUploadSpool implements UploadSpool {
  readonly #dir: string
  #ready: Promise<void> | null = null

  constructor(dir: string) {
    this.#dir = dir
  }

  /** A fresh temporary path in the spool (for files derived from an upload, e.g. a re-encoded image). */
  async tempPath(): Promise<string> {
    await (this.#ready ??= mkdir(this.#dir, { recursive: true, mode: 0o700 }).then(() => undefined))
    return join(this.#dir, `${newId()}${SUFFIX}`)
  }

  /**
   * Writes `stream` to a new temporary file. Over the limit, the partial file is removed and
   * the rest of the stream is read and dropped (so the client, still sending, gets the answer):
   * `{ over: true }`. A stream error (or an abort) removes the file and rejects.
   */
  async receive(
    stream: Readable,
    options: ReceiveOptions,
  ): Promise<{ upload: SpooledUpload; over: false } | { over: true; maxBytes: number }> {
    const path = await this.tempPath()
    const onAbort = () => stream.destroy(options.signal?.reason as Error)
    if (options.signal?.aborted) onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const file = await open(path, 'wx', 0o600)
    const hash = createHash('sha256')
    const headChunks: Buffer[] = []
    let headSize = 0
    let headDone = !options.onHead
    let max = options.maxBytes
    let size = 0
    let over = false
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (over) continue
        size += chunk.length
        if (!headDone && headSize < HEAD_BYTES) {
          headChunks.push(chunk.subarray(0, HEAD_BYTES - headSize))
          headSize += Math.min(chunk.length, HEAD_BYTES - headSize)
        }
        if (!headDone && headSize >= HEAD_BYTES) {
          headDone = true
          max = await options.onHead!(Buffer.concat(headChunks))
        }
        if (size > max) {
          over = true
          await file.close()
          await rm(path, { force: true })
          continue
        }
        hash.update(chunk)
        await file.write(chunk)
      }
      if (over) return { over: true, maxBytes: max }
      const head = Buffer.concat(headChunks)
      if (!headDone) max = await options.onHead!(head)
      await file.close()
      if (size > max) {
        await rm(path, { force: true })
        return { over: true, maxBytes: max }
      }
      return { over: false, upload: { path, size, head, sha256: hash.digest('hex') } }
    } catch (err) {
      await file.close().catch(() => undefined)
      await rm(path, { force: true })
      throw err
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  hash(path: string): Promise<string> {
    return hashFile(path)
  }

  /** Removes temporary files; quiet when they are already gone. */
  async discard(...paths: Array<string | null | undefined>): Promise<void> {
    await Promise.all(paths.map((p) => (p ? rm(p, { force: true }) : undefined)))
  }

  /** Removes temporary files left behind (a crash mid-upload) older than `olderThanMs`; returns how many. */
  async sweep(now: number, olderThanMs: number): Promise<number> {
    let names: string[]
    try {
      names = await readdir(this.#dir)
    } catch {
      return 0
    }
    let removed = 0
    for (const name of names.filter((n) => n.endsWith(SUFFIX))) {
      const path = join(this.#dir, name)
      const info = await stat(path).catch(() => null)
      if (info && info.mtimeMs < now - olderThanMs) {
        await rm(path, { force: true })
        removed++
      }
    }
    return removed
  }
}

/** The SHA-256 of a file, read as a stream. */
async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
