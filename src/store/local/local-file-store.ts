import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { assertFileKey, type FileStore } from '../file-store.js'

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
    const path = this.#path(key)
    await mkdir(join(path, '..'), { recursive: true })
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await writeFile(tmp, bytes, { mode: 0o600 })
      await rename(tmp, path)
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#path(key))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true })
  }

  #path(key: string): string {
    assertFileKey(key)
    const id = key.slice(0, 26)
    return join(this.#root, id.slice(24, 26), key)
  }
}
