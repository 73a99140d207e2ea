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

/**
 * What is searched: a common English word, common Chinese words of 2 and 3 characters, rare words (English,
 * a 4-character Chinese phrase, and 2 characters of it: no trigram to look up), and a word in no message.
 */
const QUERIES = [
  { name: 'en-common', q: 'meeting' },
  { name: 'zh2-common', q: '预算' },
  { name: 'zh3-common', q: '没问题' },
  { name: 'en-rare', q: 'quasar' },
  { name: 'zh4-rare', q: '量子纠缠' },
  { name: 'zh2-rare', q: '纠缠' },
  { name: 'absent', q: 'xylophone' },
] as const
/** global: all the searcher's conversations; conv: within the big conversation (`conversationId=`) */
const SCOPES = ['global', 'conv'] as const
const scenarioName = (name: string, scope: string) => `search-1m-${name}-${scope}`
/** the other conversations share the half the big one does not hold */
const OTHER_CONVERSATIONS = 5
/** a slow query is timed fewer times: at least 3 requests, then stop once it has taken this long */
const QUERY_BUDGET_MS = 20_000

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

/** SQLite: resolves once JIM's background search indexer (migration 0012) has indexed every message. */
async function sqliteIndexed(url: string, log: (m: string) => void): Promise<void> {
  const db = new SQLite(url, { readonly: true })
  try {
    const state = db.prepare('SELECT (SELECT indexed_rowid FROM message_fts_progress) AS mark, (SELECT max(rowid) FROM messages) AS last')
    for (let i = 0; ; i++) {
      const { mark, last } = state.get() as { mark: number; last: number }
      if (mark >= last) return
      if (i % 20 === 0) log(`jim: indexer at rowid ${mark} of ${last}`)
      await new Promise((r) => setTimeout(r, 500))
    }
  } finally {
    db.close()
  }
}

/** Times `run` one call at a time: `requests` calls, or fewer (at least 3) once QUERY_BUDGET_MS is spent. */
async function timed(requests: number, run: () => Promise<void>): Promise<number[]> {
  await run() // warm-up
  const ms: number[] = []
  const started = performance.now()
  while (ms.length < requests && (ms.length < 3 || performance.now() - started < QUERY_BUDGET_MS)) {
    const t = performance.now()
    await run()
    ms.push(performance.now() - t)
  }
  return ms
}

/**
 * 1,000,000 English and Chinese messages in 6 direct conversations of one user (half in the big one, the
 * rest in 5 others), bulk-inserted into JIM's tables (PostgreSQL's index sees every row; SQLite's
 * background indexer catches up before anything is timed), then `GET /search/messages` timed one request
 * at a time for each query, across all the user's conversations and within the big one; against the naive
 * `content LIKE '%…%'` query on the big conversation in the same run.
 */
export const search1m: Scenario = {
  name: 'search-1m',
  description: 'message search over 1M messages (English + Chinese), global and in one conversation, vs a LIKE scan, p50/p99',
  options: {
    'search-messages': 'messages in all (1000000; quick 100000)',
    'search-requests': 'timed requests per query, fewer once a query has taken 20 s (20; quick 10)',
  },
  shapes: ['embedded', 'mysql', 'postgres'],
  goals: (['embedded', 'postgres'] as Shape[]).flatMap((shape): Goal[] =>
    ['en-rare', 'zh4-rare'].map((name) => ({
      label: `search ${name} p99 <= 50 ms (${shape})`,
      scenario: scenarioName(name, 'global'),
      shape,
      metric: 'p99Ms',
      op: '<=',
      value: 50,
    })),
  ),
  async run(ctx) {
    const opt = (name: string, normal: number, quick: number) => Number(ctx.options[name] ?? (ctx.quick ? quick : normal))
    const count = opt('search-messages', 1_000_000, 100_000)
    const requests = opt('search-requests', 20, 10)
    return ctx.each(
      ['jim'],
      async (target) => {
        const { url, pid } = target.instances[0]!
        const http = new BenchHttp(url, 4)
        const storage = storageOf(pid)
        try {
          const [a, ...friends] = await createUsers(http, `s${Date.now().toString(36)}_`, 1 + 1 + OTHER_CONVERSATIONS)
          const conversations: Array<{ id: string; count: number }> = []
          for (const [i, friend] of friends.entries()) {
            const size = i === 0 ? Math.ceil(count / 2) : Math.floor(count / 2 / OTHER_CONVERSATIONS)
            conversations.push({ id: await pair(http, a!, friend), count: size })
          }
          const big = conversations[0]!.id
          ctx.log(`jim: inserting ${count} messages in ${conversations.length} conversations`)
          const t0 = performance.now()
          for (const [i, c] of conversations.entries()) {
            // different seeds per conversation: the rare terms land at different seqs
            const text = (seq: number) => corpusText(seq + i * 7_919)
            await insertHistory(ctx.shape, storage, { conversationId: c.id, senders: [a!.id, friends[i]!.id], count: c.count, text })
          }
          const insertSeconds = round((performance.now() - t0) / 1000, 1)
          let indexSeconds = 0
          if (ctx.shape === 'embedded') {
            const t1 = performance.now()
            await sqliteIndexed(storage.url, ctx.log)
            indexSeconds = round((performance.now() - t1) / 1000, 1)
          }
          ctx.log(`jim: inserted in ${insertSeconds} s, indexed ${indexSeconds} s later; up to ${requests} requests per query`)
          const baseline = await likeScan(ctx.shape, storage.url, big)
          const rows: ResultRow[] = []
          try {
            for (const { name, q } of QUERIES) {
              for (const scope of SCOPES) {
                const path = `/search/messages?q=${encodeURIComponent(q)}&limit=20${scope === 'conv' ? `&conversationId=${big}` : ''}`
                let hits = 0
                const jim = await timed(requests, async () => {
                  const res = await http.request('GET', path, undefined, a!.token)
                  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`)
                  hits = (res.body.items as unknown[]).length
                })
                const like = scope === 'conv' ? summarize(await timed(requests, () => baseline.run(q))) : null
                const s = summarize(jim)
                rows.push({
                  scenario: scenarioName(name, scope),
                  shape: ctx.shape,
                  target: 'jim',
                  metrics: {
                    p50Ms: s.p50,
                    p99Ms: s.p99,
                    ...(like ? { likeP50Ms: like.p50, likeP99Ms: like.p99 } : {}),
                    hits,
                    requests: jim.length,
                    messages: count,
                    insertSeconds,
                    indexSeconds,
                  },
                  note: `GET /search/messages?q=${q}${scope === 'conv' ? ' in the big conversation' : ' across 6 conversations'} (first page of 20), one at a time; like = content LIKE '%${q}%' on the big conversation in SQL, no HTTP`,
                })
                ctx.log(
                  `${name} ${scope}: JIM p50 ${s.p50} / p99 ${s.p99} ms (${jim.length} requests, ${hits} hits)` +
                    (like ? `; LIKE p50 ${like.p50} / p99 ${like.p99} ms` : ''),
                )
              }
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
