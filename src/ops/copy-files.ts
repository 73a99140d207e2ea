import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SqlDatabase } from '../store/sql/database.js'
import { assertFileKey } from '../domain/files/file-store.js'
import { SqlFileStore } from '../store/sql/sql-file-store.js'

/**
 * Moves uploads from a `local` file store directory (`<dataDir>/files/<shard>/<key>`) into the
 * target's `sql` file store. The source files stay. Resumable: a key the target already has
 * was written whole (one transaction per file) and is skipped.
 */
export async function copyLocalFiles(dir: string, target: SqlDatabase): Promise<{ copied: number; skipped: number }> {
  const store = new SqlFileStore(target.db)
  const present = new Set(
    (await target.db.selectFrom('file_chunks').select('file_key').where('idx', '=', 0).execute()).map((r) => r.file_key),
  )
  let copied = 0
  let skipped = 0
  for (const key of await localFileKeys(dir)) {
    if (present.has(key.name)) {
      skipped++
      continue
    }
    await store.put(key.name, await readFile(key.path))
    copied++
  }
  return { copied, skipped }
}

/** The stored files under a local store's directory; temporary files of unfinished writes are left out. */
export async function localFileKeys(dir: string): Promise<Array<{ name: string; path: string }>> {
  const keys: Array<{ name: string; path: string }> = []
  for (const shard of await readdir(dir, { withFileTypes: true })) {
    if (!shard.isDirectory()) continue
    for (const file of await readdir(join(dir, shard.name), { withFileTypes: true })) {
      if (file.isFile() && isFileKey(file.name)) keys.push({ name: file.name, path: join(dir, shard.name, file.name) })
    }
  }
  return keys
}

function isFileKey(name: string): boolean {
  try {
    assertFileKey(name)
    return true
  } catch {
    return false
  }
}
