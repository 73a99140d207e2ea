/**
 * `npx tsx bench/search-index-cost.ts [messages=5000] [per-transaction=1]`: CPU per message of SQLite's
 * search indexing, the 0009 insert trigger (in each send's transaction) against the background indexer
 * (migration 0012, its default batch), on a file database migrated as JIM's, 3 rounds interleaved.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { migrateToLatest, openDatabase } from '../src/store/sql/database.js'
import { SqliteSearchIndexer } from '../src/store/sql/sqlite-search-indexer.js'
import { SEARCH_TEXT_0009 } from '../src/store/sql/migrations/0009-message-search.js'
import { corpusText } from './scenarios/search-1m.js'
const N = Number(process.argv[2] ?? 5000)
const PER_TX = Number(process.argv[3] ?? 1)
async function once(mode: 'none' | 'trigger' | 'indexer') {
  const dir = mkdtempSync(join(tmpdir(), 'idx-cost-'))
  const d = openDatabase({ dataDir: dir, storage: { driver: 'sqlite', url: join(dir, 'jim.sqlite'), poolSize: 1 } })
  await migrateToLatest(d)
  if (mode === 'trigger') {
    const body = sql.raw(SEARCH_TEXT_0009.sqlite.replaceAll('content', 'new.content'))
    await sql`CREATE TRIGGER t AFTER INSERT ON messages BEGIN INSERT INTO message_fts (rowid, body, conversation_id, seq)
        SELECT new.rowid, b, new.conversation_id, new.seq FROM (SELECT ${body} AS b)
        WHERE new.type <> 'system' AND new.recalled_at IS NULL AND trim(b) <> ''; END`.execute(d.db)
  }
  const raw = d.sqlite!()!
  raw.pragma('wal_autocheckpoint = 1000')
  const ins = raw.prepare(
    `INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, type, content, created_at, mod_seq) VALUES ('c1', ?, ?, 'u1', ?, 'text', ?, ?, 0)`,
  )
  const tx = raw.transaction((from: number) => {
    for (let s = from; s < from + PER_TX; s++)
      ins.run(s, `m${String(s).padStart(20, '0')}`, `k${s}`, JSON.stringify({ text: corpusText(s) }), s)
  })
  const c0 = process.cpuUsage()
  for (let s = 1; s <= N; s += PER_TX) tx(s)
  const c1 = process.cpuUsage(c0)
  let indexUs = 0
  if (mode === 'indexer') {
    const c2 = process.cpuUsage()
    const n = await new SqliteSearchIndexer(d.db, d.sqlite!).catchUp()
    const c3 = process.cpuUsage(c2)
    if (n !== N) throw new Error(`indexed ${n}`)
    indexUs = (c3.user + c3.system) / N
  }
  await d.db.destroy()
  rmSync(dir, { recursive: true, force: true })
  return { sendUs: (c1.user + c1.system) / N, indexUs }
}
for (let round = 1; round <= 3; round++)
  for (const mode of ['none', 'trigger', 'indexer'] as const) {
    const r = await once(mode)
    console.log(
      `round ${round} ${mode}: ${N} messages, ${PER_TX}/tx: insert ${r.sendUs.toFixed(1)} µs/msg CPU${mode === 'indexer' ? `, then indexer ${r.indexUs.toFixed(1)} µs/msg` : ''}; load ${loadavg()[0].toFixed(1)}`,
    )
  }
