/**
 * `npx tsx bench/profile-history.ts [--storage embedded|mysql|postgres] [--messages 100000] [--requests 2000]
 *   [--port 19300] [--root <checkout>] [--prof dir] [--top 25]`
 *
 * What one GET history request costs the server: starts the built server (`dist/cli.js serve`) of
 * --root, fills one direct conversation with --messages rows (straight into its tables, as the
 * history-1m scenario does), then asks for the latest 50 and the 50 before the middle, one request
 * at a time, and prints the server's CPU µs per request (from /proc), p50/p99 as the client saw them,
 * and the top self-time entries of a CPU profile of the server (written by --cpu-prof at exit).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BenchHttp, round } from './lib/bench-client.js'
import { insertHistory, storageOf } from './lib/bulk-history.js'
import { startServer } from './lib/server.js'
import { summarize } from './lib/stats.js'
import { createUsers, pair } from './lib/users.js'
import { dropDatabase, ensureDatabaseExists } from '../src/store/sql/database.js'
import type { Shape } from './lib/scenario.js'

const { values } = parseArgs({
  options: {
    storage: { type: 'string', default: 'embedded' },
    messages: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '2000' },
    port: { type: 'string', default: '19300' },
    root: { type: 'string', default: '.' },
    prof: { type: 'string', default: '' },
    top: { type: 'string', default: '25' },
  },
})

const CLK_TCK = 100
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

async function main() {
  const shape = values.storage as Shape
  const count = Math.round(Number(values.messages) / 2) * 2
  const requests = Number(values.requests)
  const profDir = values.prof || mkdtempSync(join(tmpdir(), 'jim-history-prof-'))
  const name = `profh_${Date.now().toString(36)}`
  const storage =
    shape === 'mysql'
      ? { driver: 'mysql', url: `mysql://root@127.0.0.1:3306/${name}`, poolSize: 1 }
      : shape === 'postgres'
        ? { driver: 'postgres', url: `postgres://postgres@127.0.0.1:5432/${name}`, poolSize: 1 }
        : null
  if (storage) await ensureDatabaseExists({ storage } as never)
  const env: Record<string, string> = storage ? { JIM_STORAGE_DRIVER: storage.driver, JIM_STORAGE_URL: storage.url } : {}
  const server = await startServer(Number(values.port), env, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`], root: values.root })
  const http = new BenchHttp(server.url, 1)
  const [a, b] = await createUsers(http, `ph${Date.now().toString(36)}_`, 2)
  const conversationId = await pair(http, a!, b!)
  await insertHistory(shape, storageOf(server.process.pid!), { conversationId, senders: [a!.id, b!.id], count })
  const paths = [`limit=50`, `before=${count / 2}&limit=50`].map((q) => `/conversations/${conversationId}/messages?${q}`)
  const get = async (path: string) => {
    const t = performance.now()
    const res = await http.request('GET', path, undefined, a!.token)
    if (res.status !== 200 || (res.body?.items as unknown[]).length !== 50) throw new Error(`GET ${path}: ${res.status}`)
    return performance.now() - t
  }
  for (let i = 0; i < 200; i++) await get(paths[i % 2]!)
  const pid = server.process.pid!
  const cpu0 = cpuSeconds(pid)
  // the profile's clock is CLOCK_MONOTONIC in µs, as process.hrtime: keep the timed window only
  const window = { from: Number(process.hrtime.bigint() / 1000n), to: 0 }
  const latencies: number[] = []
  for (let i = 0; i < requests; i++) latencies.push(await get(paths[i % 2]!))
  const cpu = cpuSeconds(pid) - cpu0
  window.to = Number(process.hrtime.bigint() / 1000n)
  http.close()
  await server.stop()
  if (storage) await dropDatabase({ storage } as never)
  const s = summarize(latencies)
  console.log(
    JSON.stringify({
      storage: shape,
      root: values.root,
      requests,
      serverCpuMicrosPerRequest: round((cpu * 1e6) / requests),
      p50Ms: s.p50,
      p99Ms: s.p99,
      profile: { dir: profDir, windowMicros: window },
    }),
  )
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))
  if (file && Number(values.top) > 0) printTop(join(profDir, file), Number(values.top), window)
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

/** Self time by function (name, file, line), as a share of the samples taken in the timed window. */
function printTop(file: string, top: number, window: { from: number; to: number }) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[]
    samples: number[]
    startTime: number
    timeDeltas: number[]
  }
  const hits = new Map<number, number>()
  let at = profile.startTime
  let total = 0
  profile.samples.forEach((s, i) => {
    at += profile.timeDeltas[i]!
    if (at < window.from || at > window.to) return
    hits.set(s, (hits.get(s) ?? 0) + 1)
    total++
  })
  const byName = new Map<string, number>()
  for (const n of profile.nodes) {
    const h = hits.get(n.id) ?? 0
    if (!h) continue
    const where = n.callFrame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`
    byName.set(key, (byName.get(key) ?? 0) + h)
  }
  console.log(`profile: ${file} (${total} samples in the timed window ${window.from}-${window.to} µs)`)
  for (const [key, h] of [...byName].sort((x, y) => y[1] - x[1]).slice(0, top))
    console.log(`${((h / total) * 100).toFixed(1).padStart(5)}%  ${key}`)
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
