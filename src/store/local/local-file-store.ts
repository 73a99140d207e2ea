import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { assertFileKey, type ByteRange, type FileStore } from '../../domain/files/file-store.js'

/**
 * File bytes under a directory (`<dataDir>/files`), sharded by the last two characters of
 * the id (the random end of a ULID: 1,024 evenly filled folders). Names are the server-made
 * keys only. Writes go to a temporary name and are renamed into place, so a reader never
 * sees half a file. One machine only, unless the directory is shared by every instance.
 */
export class LocalFileStore implements FileStore {
  readonly #root: string

  constructor(root: string) {
    this.#root = root
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.#place(key, (tmp) => writeFile(tmp, bytes, { mode: 0o600 }))
  }

  async putFile(key: string, path: string): Promise<void> {
    const dest = this.#path(key)
    await mkdir(join(dest, '..'), { recursive: true })
    try {
      // the upload's temporary file is on the same disk by default: a rename, no copy
      await rename(path, dest)
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
    }
    await this.#place(key, (tmp) => copyFile(path, tmp))
    await rm(path, { force: true })
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.#path(key))).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable | null> {
    const path = this.#path(key)
    // opened here, so a missing file is null now rather than an error mid-response
    let handle
    try {
      handle = await open(path, 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    return handle.createReadStream({ start: range?.start, end: range?.end })
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true })
  }

  /** Writes through a temporary name in the target folder, then renames it into place. */
  async #place(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const path = this.#path(key)
    await mkdir(join(path, '..'), { recursive: true })
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await write(tmp)
      await rename(tmp, path)
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
  }

  #path(key: string): string {
    assertFileKey(key)
    const id = key.slice(0, 26)
    return join(this.#root, id.slice(24, 26), key)
  }
}
