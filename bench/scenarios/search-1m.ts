import SQLite from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { BenchHttp } from '../lib/bench-client.js'
import { insertHistory, storageOf } from '../lib/bulk-history.js'
import type { Goal, ResultRow, Scenario, Shape } from '../lib/scenario.js'
import { round, summarize } from '../lib/stats.js'
import { createUsers, pair } from '../lib/users.js'

/** Words of the corpus: English and Chinese (no spaces between Chinese words), as people write them. */
const EN = ['the', 'budget', 'review', 'friday', 'lunch', 'deploy', 'server', 'photo', 'meeting', 'tomorrow', 'thanks', 'ok', 'see', 'you']
const ZH = ['我们', '明天', '开会', '讨论', '预算', '谢谢', '大家', '午饭', '照片', '服务器', '上线', '好的', '没问题', '周五']
/** One message in RARE carries a rare term; `absent` is in none (a search that must read everything). */
const RARE = 10_000

/** The text of message `seq`: a deterministic mix of English and Chinese sentences with a few rare terms. */
export function corpusText(seq: number): string {
  let x = seq * 2654435761
  const pick = (words: readonly string[]) => {
    x = (x ^ (x >>> 13)) * 1274126177
    return words[Math.abs(x) % words.length]!
  }
  const chinese = seq % 3 === 0
  const words = Array.from({ length: 4 + (seq % 9) }, () => pick(chinese ? ZH : EN))
  if (seq % RARE === 7) words.push('quasar')
  if (seq % RARE === 4_007) words.push('量子纠缠')
  return words.join(chinese ? '' : ' ')
}

/** What is searched: a rare English word, a rare Chinese phrase, a common 2-character Chinese word, nothing. */
const QUERIES = [
  { name: 'rare-en', q: 'quasar' },
  { name: 'rare-zh', q: '量子纠缠' },
  { name: 'common-zh-2', q: '预算' },
  { name: 'absent', q: 'xylophone' },
] as const
const scenarioName = (name: string) => `search-1m-${name}`

/** The naive baseline, in the same run: `content LIKE '%q%'` on the raw JSON, newest first, SQL only (no HTTP). */
async function likeScan(shape: Shape, url: string, conversationId: string) {
  const sql = 'SELECT seq FROM messages WHERE conversation_id = ? AND content LIKE ? ORDER BY seq DESC LIMIT 21'
  if (shape === 'embedded') {
    const db = new SQLite(url, { readonly: true })
    const stmt = db.prepare(sql)
    return { run: async (q: string) => void stmt.all(conversationId, `%${q}%`), close: async () => db.close() }
  }
  if (shape === 'mysql') {
    const conn = await mysql.createConnection({ uri: url })
    return { run: async (q: string) => void (await conn.query(sql, [conversationId, `%${q}%`])), close: () => conn.end() }
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const text = 'SELECT seq FROM messages WHERE conversation_id = $1 AND content LIKE $2 ORDER BY seq DESC LIMIT 21'
  return { run: async (q: string) => void (await client.query(text, [conversationId, `%${q}%`])), close: () => client.end() }
}

/**
 * One direct conversation of 1,000,000 English and Chinese messages (bulk-inserted into JIM's tables, so
 * SQLite's triggers and PostgreSQL's index see every row), then `GET /search/messages` timed one request
 * at a time for a rare word, a rare Chinese phrase, a common 2-character Chinese word and a word in no
 * message; against the naive `content LIKE '%…%'` query on the same database in the same run.
 */
export const search1m: Scenario = {
  name: 'search-1m',
  description: 'message search in a 1M-message conversation (English + Chinese) vs a LIKE scan, p50/p99',
  options: { 'search-messages': 'messages in the conversation (1000000)', 'search-requests': 'timed requests per query (50)' },
  shapes: ['embedded', 'mysql', 'postgres'],
  goals: (['embedded', 'postgres'] as Shape[]).flatMap((shape): Goal[] =>
    ['rare-en', 'rare-zh'].map((name) => ({
      label: `search ${name} p99 <= 50 ms (${shape})`,
      scenario: scenarioName(name),
      shape,
      metric: 'p99Ms',
      op: '<=',
      value: 50,
    })),
  ),
  async run(ctx) {
    const opt = (name: string, normal: number, quick: number) => Number(ctx.options[name] ?? (ctx.quick ? quick : normal))
    const count = opt('search-messages', 1_000_000, 100_000)
    const requests = opt('search-requests', 50, 20)
    return ctx.each(
      ['jim'],
      async (target) => {
        const { url, pid } = target.instances[0]!
        const http = new BenchHttp(url, 4)
        const storage = storageOf(pid)
        try {
          const [a, b] = await createUsers(http, `s${Date.now().toString(36)}_`, 2)
          const conversationId = await pair(http, a!, b!)
          ctx.log(`jim: inserting ${count} messages (indexed as they go in)`)
          const t0 = performance.now()
          await insertHistory(ctx.shape, storage, { conversationId, senders: [a!.id, b!.id], count, text: corpusText })
          const insertSeconds = round((performance.now() - t0) / 1000, 1)
          ctx.log(`jim: inserted in ${insertSeconds} s; ${requests} requests per query`)
          const baseline = await likeScan(ctx.shape, storage.url, conversationId)
          const rows: ResultRow[] = []
          try {
            for (const { name, q } of QUERIES) {
              const path = `/search/messages?q=${encodeURIComponent(q)}&limit=20`
              let hits = 0
              const get = async () => {
                const t = performance.now()
                const res = await http.request('GET', path, undefined, a!.token)
                const ms = performance.now() - t
                if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`)
                hits = (res.body.items as unknown[]).length
                return ms
              }
              const like = async () => {
                const t = performance.now()
                await baseline.run(q)
                return performance.now() - t
              }
              for (let i = 0; i < 3; i++) {
                await get()
                await like()
              }
              const jim: number[] = []
              const scan: number[] = []
              for (let i = 0; i < requests; i++) {
                jim.push(await get())
                scan.push(await like())
              }
              const s = summarize(jim)
              const l = summarize(scan)
              rows.push({
                scenario: scenarioName(name),
                shape: ctx.shape,
                target: 'jim',
                metrics: { p50Ms: s.p50, p99Ms: s.p99, likeP50Ms: l.p50, likeP99Ms: l.p99, hits, requests, messages: count, insertSeconds },
                note: `GET /search/messages?q=${q} (first page of 20), one at a time; like = content LIKE '%${q}%' in SQL, no HTTP`,
              })
              ctx.log(`${name}: JIM p50 ${s.p50} / p99 ${s.p99} ms (${hits} hits); LIKE p50 ${l.p50} / p99 ${l.p99} ms`)
            }
          } finally {
            await baseline.close()
          }
          return rows
        } finally {
          http.close()
        }
      },
      { env: { JIM_MESSAGES_SEARCH_PER_MINUTE: '1000000' } },
    )
  },
}
