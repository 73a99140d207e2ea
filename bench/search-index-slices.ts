/**
 * `npx tsx bench/search-index-slices.ts [messages=30000] [batches=500,200,100]`: how long SQLite's background
 * search indexer holds the event loop at a time, for each batch size: the messages arrive in rounds of
 * one batch (as sends at a steady rate would) and each round's catch-up runs beside a setImmediate
 * ticker; the main thread's CPU between two ticks (`/proc/self/task/<pid>/schedstat`, so the checkpoint
 * worker is not counted) is one slice (an indexing transaction or a merge step). The kernel accounts
 * in steps of a few ms: slices of 8 ms and more are counted. The CPU per message includes the ticker
 * (reading /proc at every tick): compare it between runs of this script only. Two rounds per size.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrateToLatest, openDatabase } from '../src/store/sql/database.js'
import { SqliteSearchIndexer } from '../src/store/sql/sqlite-search-indexer.js'

const TOTAL = Number(process.argv[2] ?? 30000)
const SIZES = (process.argv[3] ?? '500,200,100').split(',').map(Number)
const mainThreadCpuMs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6

async function once(batch: number) {
  const dir = mkdtempSync(join(tmpdir(), 'idx-slices-'))
  const d = openDatabase({ dataDir: dir, storage: { driver: 'sqlite', url: join(dir, 'jim.sqlite'), poolSize: 1 } })
  await migrateToLatest(d)
  const raw = d.sqlite!()!
  const ins = raw.prepare(
    `INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, type, content, created_at, mod_seq) VALUES (?, ?, ?, 'u1', ?, 'text', ?, ?, 0)`,
  )
  // the bench's direct-chat text: 100 conversations, a marker with the send time
  const round = raw.transaction((from: number) => {
    for (let s = from; s < from + batch; s++)
      ins.run(
        `c${s % 100}`,
        s,
        `m${String(s).padStart(20, '0')}`,
        `k${s}`,
        JSON.stringify({ text: `hello ${s} ~b:${s}:${Date.now()}~` }),
        s,
      )
  })
  const indexer = new SqliteSearchIndexer(d.db, d.sqlite!, { batch })
  const long: number[] = []
  let cpuMs = 0
  for (let s = 1; s <= TOTAL; s += batch) {
    round(s)
    let ticking = true
    let last = mainThreadCpuMs()
    const tick = () => {
      const now = mainThreadCpuMs()
      if (now - last >= 8) long.push(now - last)
      cpuMs += now - last
      last = now
      if (ticking) setImmediate(tick)
    }
    setImmediate(tick)
    await indexer.catchUp()
    ticking = false
    await new Promise((resolve) => setImmediate(resolve))
  }
  await d.db.destroy()
  rmSync(dir, { recursive: true, force: true })
  console.log(
    `batch ${batch}: main-thread CPU ${((cpuMs * 1000) / TOTAL).toFixed(1)} µs/msg; ${long.length} slices >= 8 ms ` +
      `(max ${Math.max(0, ...long).toFixed(0)} ms); load ${loadavg()[0].toFixed(1)}`,
  )
}

for (let r = 0; r < 2; r++) for (const batch of SIZES) await once(batch)
