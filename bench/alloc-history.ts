/**
 * `npx tsx bench/alloc-history.ts [--storage embedded] [--messages 20000] [--requests 1000] [--port 19330] [--root .] [--top 30]`
 *
 * Where GET history allocates: starts the built server under --inspect, fills one conversation,
 * then samples allocations (V8's sampling heap profiler, objects collected by minor and major GCs
 * included) over --requests latest-50 pages and prints bytes per request by allocating function.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { BenchHttp } from './lib/bench-client.js'
import { insertHistory } from './lib/bulk-history.js'
import { createUsers, pair } from './lib/users.js'
import { dropDatabase, ensureDatabaseExists } from '../src/store/sql/database.js'
import type { Shape } from './lib/scenario.js'

const { values } = parseArgs({
  options: {
    storage: { type: 'string', default: 'embedded' },
    messages: { type: 'string', default: '20000' },
    requests: { type: 'string', default: '1000' },
    port: { type: 'string', default: '19330' },
    root: { type: 'string', default: '.' },
    top: { type: 'string', default: '30' },
  },
})

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: Node[]
}

async function main() {
  const shape = values.storage as Shape
  const count = Math.round(Number(values.messages) / 2) * 2
  const requests = Number(values.requests)
  const dir = mkdtempSync(join(tmpdir(), 'jim-alloc-'))
  const name = `alloch_${Date.now().toString(36)}`
  const storage =
    shape === 'mysql'
      ? { driver: 'mysql', url: `mysql://root@127.0.0.1:3306/${name}` }
      : shape === 'postgres'
        ? { driver: 'postgres', url: `postgres://postgres@127.0.0.1:5432/${name}` }
        : null
  if (storage) await ensureDatabaseExists({ storage } as never)
  const inspectPort = Number(values.port) + 1
  const child = spawn(process.execPath, [`--inspect=127.0.0.1:${inspectPort}`, join(values.root, 'dist/cli.js'), 'serve'], {
    env: {
      PATH: process.env.PATH,
      JIM_PORT: values.port,
      JIM_HOST: '127.0.0.1',
      JIM_DATA_DIR: dir,
      JIM_RATE_LIMIT_ENABLED: 'false',
      JIM_CAPTCHA_MODE: 'off',
      NODE_ENV: 'test',
      JIM_AUTH_HASH_PROFILE: 'test',
      JIM_LOG_LEVEL: 'info',
      ...(storage ? { JIM_STORAGE_DRIVER: storage.driver, JIM_STORAGE_URL: storage.url } : {}),
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  })
  const url = `http://127.0.0.1:${values.port}`
  for (;;) {
    const up = await fetch(url + '/readyz').then(
      (res) => res.ok,
      () => false,
    )
    if (up) break
    await new Promise((r) => setTimeout(r, 200))
  }
  const http = new BenchHttp(url, 1)
  try {
    const [a, b] = await createUsers(http, `al${Date.now().toString(36)}_`, 2)
    const conversationId = await pair(http, a!, b!)
    await insertHistory(shape, storage ?? { url: join(dir, 'jim.sqlite') }, { conversationId, senders: [a!.id, b!.id], count })
    const path = `/conversations/${conversationId}/messages?limit=50`
    for (let i = 0; i < 200; i++) await http.request('GET', path, undefined, a!.token)
    const [target] = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>
    const ws = new WebSocket(target!.webSocketDebuggerUrl)
    await new Promise((r) => ws.once('open', r))
    let id = 0
    const pending = new Map<number, (v: any) => void>()
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data))
      if (msg.id && pending.has(msg.id)) pending.get(msg.id)!(msg.result ?? msg.error)
    })
    const call = (method: string, params: object = {}) =>
      new Promise<any>((resolve) => {
        pending.set(++id, resolve)
        ws.send(JSON.stringify({ id, method, params }))
      })
    await call('HeapProfiler.enable')
    console.log(
      await call('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      }),
    )
    for (let i = 0; i < requests; i++) await http.request('GET', path, undefined, a!.token)
    const { profile } = await call('HeapProfiler.stopSampling')
    ws.close()
    const bySelf = new Map<string, number>()
    let total = 0
    const walk = (n: Node) => {
      if (n.selfSize) {
        const where = n.callFrame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')
        const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`
        bySelf.set(key, (bySelf.get(key) ?? 0) + n.selfSize)
        total += n.selfSize
      }
      n.children.forEach(walk)
    }
    walk(profile.head)
    console.log(`sampled ${(total / requests / 1024).toFixed(1)} KiB per request over ${requests} requests`)
    for (const [k, v] of [...bySelf].sort((x, y) => y[1] - x[1]).slice(0, Number(values.top)))
      console.log(`${(v / requests / 1024).toFixed(2).padStart(8)} KiB  ${k}`)
  } finally {
    http.close()
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    if (storage) await dropDatabase({ storage } as never)
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
