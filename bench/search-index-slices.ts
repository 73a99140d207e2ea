/**
 * `npx tsx bench/search-index-slices.ts [messages=30000] [batches=500,200,100]`: how long SQLite's background
 * search indexer holds the event loop (and the one connection) per transaction, for each batch size: the
 * messages arrive in rounds of one batch (as sends at a steady rate would) and each round's catch-up is
 * timed, wall clock and the main thread's CPU (`/proc/self/task/<pid>/schedstat`, so the checkpoint
 * worker's CPU is not counted; its accounting is coarse, a few ms, so only the totals are exact).
 * Two rounds per size, interleaved.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
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
  const wall: number[] = []
  let cpuMs = 0
  for (let s = 1; s <= TOTAL; s += batch) {
    round(s)
    const c = mainThreadCpuMs()
    const t = performance.now()
    await indexer.catchUp()
    wall.push(performance.now() - t)
    cpuMs += mainThreadCpuMs() - c
  }
  await d.db.destroy()
  rmSync(dir, { recursive: true, force: true })
  wall.sort((a, b) => a - b)
  const q = (p: number) => wall[Math.min(wall.length - 1, Math.floor(wall.length * p))]!.toFixed(1)
  console.log(
    `batch ${batch}: ${wall.length} transactions, main-thread CPU ${((cpuMs * 1000) / TOTAL).toFixed(1)} µs/msg; ` +
      `wall ms per transaction p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${wall.at(-1)!.toFixed(1)}; load ${loadavg()[0].toFixed(1)}`,
  )
}

for (let r = 0; r < 2; r++) for (const batch of SIZES) await once(batch)
