/**
 * `npx tsx bench/pg-gin-send-cost.ts [sends=5000]`: what PostgreSQL's pg_trgm GIN search index (migration
 * 0009) costs one send. One client sends as JIM's transaction does (bump + insert + commit, one message each)
 * on a fresh database JIM migrated: with the index, without it (dropped), twice, interleaved; prints wall
 * time per send and its p50/p99/max. The cost is in the database backend, where JIM's CPU figures miss it.
 */
import pg from 'pg'
import { ensureDatabaseExists, migrateToLatest, openDatabase, dropDatabase } from '../src/store/sql/database.js'
import { corpusText } from './scenarios/search-1m.js'
const url = `postgres://postgres@127.0.0.1:5432/jim_gin_${Date.now().toString(36)}`
const settings = { dataDir: '/tmp', storage: { driver: 'postgres' as const, url, poolSize: 2 } }
await ensureDatabaseExists(settings)
const d = openDatabase(settings)
await migrateToLatest(d)
await d.db.destroy()
const c = new pg.Client({ connectionString: url })
await c.connect()
await c.query(`INSERT INTO conversations (id, kind, created_at) VALUES ('c1', 'direct', 0)`)
let seq = 0
const N = Number(process.argv[2] ?? 5000)
async function run(label: string) {
  const times: number[] = []
  const t0 = performance.now()
  for (let i = 0; i < N; i++) {
    seq++
    const t = performance.now()
    await c.query('BEGIN')
    await c.query(`UPDATE conversations SET last_seq = last_seq + 1 WHERE id = 'c1'`)
    await c.query(
      `INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, type, content, created_at, mod_seq) VALUES ('c1', $1, $2, 'u1', $3, 'text', $4, $1, 0)`,
      [seq, `m${String(seq).padStart(20, '0')}`, `k${seq}`, JSON.stringify({ text: corpusText(seq) })],
    )
    await c.query('COMMIT')
    times.push(performance.now() - t)
  }
  const total = performance.now() - t0
  times.sort((a, b) => a - b)
  console.log(
    `${label}: ${N} sends, ${((total * 1000) / N).toFixed(0)} µs/send wall, p50 ${times[N >> 1]!.toFixed(2)} p99 ${times[Math.floor(N * 0.99)]!.toFixed(2)} max ${times[N - 1]!.toFixed(1)} ms; load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
  )
}
const idx = (await c.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_search_trgm'`)).rows[0].indexdef
for (let round = 0; round < 2; round++) {
  await run('with GIN (fastupdate default)')
  await c.query('DROP INDEX messages_search_trgm')
  await run('without GIN')
  await c.query(idx)
}
await c.end()
await dropDatabase(settings)
