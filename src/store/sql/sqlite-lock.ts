import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * One server process per SQLite file: a lock file next to it holds the owner's pid. A stale
 * lock (its process is gone) is taken over. Short CLI commands do not take the lock.
 */
export function acquireSqliteLock(dbFile: string): () => void {
  const lockFile = dbFile + '.lock'
  mkdirSync(dirname(lockFile), { recursive: true })
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx')
      writeFileSync(fd, String(process.pid))
      closeSync(fd)
      return () => {
        try {
          unlinkSync(lockFile)
        } catch {
          // already gone
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number(readFileSync(lockFile, 'utf8').trim())
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new Error(
          `${dbFile} is used by another JIM server (pid ${pid}). One server process per SQLite file; run several instances on mysql or postgres instead.`,
        )
      }
      unlinkSync(lockFile)
    }
  }
  throw new Error(`could not lock ${dbFile}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
