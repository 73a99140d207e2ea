import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type SQLite from 'better-sqlite3'

/**
 * SQLite WAL checkpoints off the event loop. With the default auto-checkpoint, the COMMIT that
 * crosses 1,000 WAL pages copies them into the database file and fsyncs it, on the main thread:
 * under a full-speed send load that was 1.7 ms per group commit on average and stalls of up to
 * 35 ms (bench/profiles/send-path.md, "checkpoints"). The main connection turns auto-checkpoint off
 * and a worker thread with its own connection runs PASSIVE checkpoints (they never block the
 * writer or readers) every `intervalMs`; the writer restarts the WAL from its start once a
 * checkpoint has caught up. A `:memory:` database has no WAL and gets no worker.
 */
export function checkpointOffThread(db: SQLite.Database, file: string, intervalMs = 200): void {
  if (file === ':memory:' || db.memory) return
  db.pragma('wal_autocheckpoint = 0')
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  // an eval'd CommonJS worker: runs the same from dist/ and from the TypeScript sources in tests
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs } })
  worker.unref()
  // a failed checkpoint leaves the WAL growing until the next one: not worth failing the server for
  worker.on('error', () => {})
  const close = db.close.bind(db)
  db.close = () => {
    void worker.terminate()
    return close()
  }
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads')
const SQLite = require(workerData.driver)
const db = new SQLite(workerData.file)
db.pragma('busy_timeout = 1000')
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // busy or closing: the next tick tries again
  }
}, workerData.intervalMs)
`
