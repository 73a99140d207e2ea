import { BenchHttp } from '../lib/bench-client.js'
import { insertHistory, settleAfterInsert, storageOf } from '../lib/bulk-history.js'
import type { Goal, ResultRow, Scenario, Shape } from '../lib/scenario.js'
import { round, summarize } from '../lib/stats.js'
import { createUsers, pair } from '../lib/users.js'

const QUERIES = ['latest', 'before-middle', 'before-start', 'after-end'] as const
const scenarioName = (q: (typeof QUERIES)[number]) => `history-1m-${q}`

/** the page each query asks for, for a conversation of `count` messages */
function queryOf(q: (typeof QUERIES)[number], count: number): { params: string; first: number; last: number } {
  switch (q) {
    case 'latest':
      return { params: 'limit=50', first: count - 49, last: count }
    case 'before-middle':
      return { params: `before=${count / 2}&limit=50`, first: count / 2 - 50, last: count / 2 - 1 }
    case 'before-start':
      return { params: 'before=10&limit=50', first: 1, last: 9 }
    case 'after-end':
      return { params: `after=${count - 100}&limit=50`, first: count - 99, last: count - 50 }
  }
}

/**
 * One direct conversation holding 1,000,000 messages (written straight into JIM's tables in
 * batches after JIM made the schema and the conversation), then GET history timed one request at a
 * time: the latest 50, a page before the middle, before seq 10, and after the last 100.
 */
export const history1m: Scenario = {
  name: 'history-1m',
  description: 'history of a 1M-message conversation: latest, before=middle, before=10, after=end, p50/p99',
  options: { 'history-messages': 'messages in the conversation (1000000)', 'history-requests': 'timed requests per page (200)' },
  shapes: ['embedded', 'mysql', 'postgres'],
  goals: (['embedded', 'mysql', 'postgres'] as Shape[]).flatMap((shape): Goal[] =>
    QUERIES.map((q) => ({
      label: `history ${q} p99 <= 5 ms (${shape})`,
      scenario: scenarioName(q),
      shape,
      metric: 'p99Ms',
      op: '<=',
      value: 5,
    })),
  ),
  async run(ctx) {
    const opt = (name: string, normal: number, quick: number) => Number(ctx.options[name] ?? (ctx.quick ? quick : normal))
    const count = Math.round(opt('history-messages', 1_000_000, 100_000) / 2) * 2
    const requests = opt('history-requests', 200, 50)
    return ctx.each(
      ['jim'],
      async (target) => {
        const { url, pid } = target.instances[0]!
        const http = new BenchHttp(url, 4)
        try {
          const [a, b] = await createUsers(http, `h${Date.now().toString(36)}_`, 2)
          const conversationId = await pair(http, a!, b!)
          ctx.log(`jim: inserting ${count} messages`)
          const t0 = performance.now()
          await insertHistory(ctx.shape, storageOf(pid), { conversationId, senders: [a!.id, b!.id], count })
          const insertSeconds = round((performance.now() - t0) / 1000, 1)
          await settleAfterInsert(ctx.shape, storageOf(pid), [pid])
          ctx.log(`jim: inserted in ${insertSeconds} s, settled in ${round((performance.now() - t0) / 1000 - insertSeconds, 1)} s`)
          const getter = (q: (typeof QUERIES)[number]) => {
            const { params, first, last } = queryOf(q, count)
            const path = `/conversations/${conversationId}/messages?${params}`
            return async () => {
              const t = performance.now()
              const res = await http.request('GET', path, undefined, a!.token)
              const ms = performance.now() - t
              const items = res.body?.items as Array<{ seq: number }> | undefined
              if (res.status !== 200 || items?.[0]?.seq !== first || items.at(-1)?.seq !== last)
                throw new Error(`GET ${path}: ${res.status}, expected seq ${first}…${last}, got ${items?.[0]?.seq}…${items?.at(-1)?.seq}`)
              return ms
            }
          }
          // warm-up: every page 50 times, before any is timed (the server has served history before;
          // with 20 of the first page only, that page's timings carried the JIT's compiles)
          for (let i = 0; i < 50; i++) for (const q of QUERIES) await getter(q)()
          ctx.log(`jim: ${requests} requests per query`)
          const rows: ResultRow[] = []
          for (const q of QUERIES) {
            const { params } = queryOf(q, count)
            const get = getter(q)
            const latencies: number[] = []
            for (let i = 0; i < requests; i++) latencies.push(await get())
            const s = summarize(latencies)
            rows.push({
              scenario: scenarioName(q),
              shape: ctx.shape,
              target: 'jim',
              metrics: { p50Ms: s.p50, p95Ms: s.p95, p99Ms: s.p99, maxMs: s.max, requests, messages: count, insertSeconds },
              note: `GET …/messages?${params.replace(/\d{4,}/g, (n) => Number(n).toLocaleString('en-US'))}, one at a time`,
            })
          }
          return rows
        } finally {
          http.close()
        }
      },
      {},
    )
  },
}
