/**
 * `npx tsx bench/ab-history.ts --roots <checkout A>,<checkout B> [--storage embedded,mysql,postgres]
 *   [--messages 1000000] [--requests 200] [--rounds 2] [--port 19300] [--node-args "..."]`
 *
 * GET history of builds A and B on the SAME 1M-message conversation, interleaved: for each storage,
 * one database is filled once (as the history-1m scenario fills it), then every round starts each
 * build's server in turn on it (order A,B then B,A), warms it up and times the history-1m pages one
 * request at a time: p50 / p99 / max as the client saw them, and the server's CPU µs per request
 * (from /proc). The load average is printed beside every row: on a shared machine only the ratios
 * of the same round mean anything.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BenchHttp, round } from './lib/bench-client.js'
import { insertHistory, settleAfterInsert } from './lib/bulk-history.js'
import { startServer } from './lib/server.js'
import { summarize } from './lib/stats.js'
import { createUsers, pair } from './lib/users.js'
import { dropDatabase, ensureDatabaseExists } from '../src/store/sql/database.js'
import type { Shape } from './lib/scenario.js'

const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: '.' },
    storage: { type: 'string', default: 'embedded,mysql,postgres' },
    messages: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    port: { type: 'string', default: '19300' },
    'node-args': { type: 'string', default: '' },
  },
})

const CLK_TCK = 100
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}
const load = () => loadavg()[0]!.toFixed(1)

/** the history-1m pages: query and the first/last seq expected */
const pages = (count: number) => [
  { name: 'latest', q: 'limit=50', first: count - 49, last: count },
  { name: 'before-middle', q: `before=${count / 2}&limit=50`, first: count / 2 - 50, last: count / 2 - 1 },
  { name: 'before-10', q: 'before=10&limit=50', first: 1, last: 9 },
  { name: 'after-end', q: `after=${count - 100}&limit=50`, first: count - 99, last: count - 50 },
]

async function main() {
  const roots = values.roots.split(',')
  const count = Math.round(Number(values.messages) / 2) * 2
  const requests = Number(values.requests)
  const port = Number(values.port)
  const nodeArgs = values['node-args'].split(' ').filter(Boolean)
  for (const shape of values.storage.split(',') as Shape[]) {
    const name = `abh_${Date.now().toString(36)}`
    const dataDir = mkdtempSync(join(tmpdir(), 'jim-abh-'))
    const storage =
      shape === 'mysql'
        ? { driver: 'mysql', url: `mysql://root@127.0.0.1:3306/${name}` }
        : shape === 'postgres'
          ? { driver: 'postgres', url: `postgres://postgres@127.0.0.1:5432/${name}` }
          : null
    if (storage) await ensureDatabaseExists({ storage } as never)
    const env: Record<string, string> = storage
      ? { JIM_STORAGE_DRIVER: storage.driver, JIM_STORAGE_URL: storage.url, JIM_DATA_DIR: dataDir }
      : { JIM_DATA_DIR: dataDir }
    try {
      // fill once, with the last root's server (the schema is the same)
      const setup = await startServer(port, env, { root: roots.at(-1) })
      const http0 = new BenchHttp(setup.url, 1)
      const [a, b] = await createUsers(http0, `ab${Date.now().toString(36)}_`, 2)
      const conversationId = await pair(http0, a!, b!)
      const t0 = performance.now()
      const where = storage ?? { url: join(dataDir, 'jim.sqlite') }
      await insertHistory(shape, where, { conversationId, senders: [a!.id, b!.id], count })
      await settleAfterInsert(shape, where, [setup.process.pid!])
      http0.close()
      await setup.stop()
      console.log(`# ${shape}: ${count} messages inserted in ${round((performance.now() - t0) / 1000, 1)} s`)
      console.log('round\troot\tpage\tp50\tp95\tp99\tmax\tcpu_us/req\tload')
      for (let r = 0; r < Number(values.rounds); r++) {
        const order = r % 2 === 0 ? roots : [...roots].reverse()
        for (const root of order) {
          const server = await startServer(port, env, { root, nodeArgs })
          const http = new BenchHttp(server.url, 1)
          const pid = server.process.pid!
          try {
            const getters = pages(count).map((p) => {
              const path = `/conversations/${conversationId}/messages?${p.q}`
              return async () => {
                const t = performance.now()
                const res = await http.request('GET', path, undefined, a!.token)
                const ms = performance.now() - t
                const items = res.body?.items as Array<{ seq: number }> | undefined
                if (res.status !== 200 || items?.[0]?.seq !== p.first || items.at(-1)?.seq !== p.last)
                  throw new Error(`GET ${path}: ${res.status}, got ${items?.[0]?.seq}…${items?.at(-1)?.seq}`)
                return ms
              }
            })
            // warm-up as history-1m does it: every page 50 times before any is timed
            for (let i = 0; i < 50; i++) for (const get of getters) await get()
            for (const [n, p] of pages(count).entries()) {
              const get = getters[n]!
              const cpu0 = cpuSeconds(pid)
              const latencies: number[] = []
              for (let i = 0; i < requests; i++) latencies.push(await get())
              const cpu = cpuSeconds(pid) - cpu0
              const s = summarize(latencies)
              console.log([r + 1, root, p.name, s.p50, s.p95, s.p99, s.max, round((cpu * 1e6) / requests), load()].join('\t'))
            }
          } finally {
            http.close()
            await server.stop()
          }
        }
      }
    } finally {
      if (storage) await dropDatabase({ storage } as never)
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
