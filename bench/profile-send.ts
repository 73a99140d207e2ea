/**
 * `npx tsx bench/profile-send.ts [--via rest|ws] [--pairs 50] [--seconds 5] [--port 19100] [--prof dir]
 *   [--storage embedded|mysql|postgres] [--heap file.heapsnapshot] [--node-args "--flag=value ..."]`
 *
 * Measures the server CPU one stored message costs: starts the built server (`dist/cli.js serve`,
 * embedded SQLite, rate limits off, logs at info to /dev/null) under the inspector, has `pairs`
 * senders each send as fast as their previous send is answered (REST, or `message.send` on a
 * socket) while receivers listen on WebSockets, and reads the server's user+system CPU time from
 * /proc before and after. Prints msg/s, CPU µs per message and the top self-time entries of the
 * profile taken over the measured window only (through the inspector), and the server's RSS: its
 * peak over the window (sampled every 250 ms, as `npm run bench` does), then V8's heap spaces at the
 * end of the window, before and after a forced full GC.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WS, { type WebSocket } from 'ws'
import { BenchHttp, openSocket, round } from './lib/bench-client.js'
import { dropDatabase, ensureDatabaseExists } from '../src/store/sql/database.js'
import { startUsage } from './lib/proc-stats.js'
import { startServer } from './lib/server.js'
import { createUsers, pair } from './lib/users.js'

const { values } = parseArgs({
  options: {
    via: { type: 'string', default: 'rest' },
    pairs: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '5' },
    port: { type: 'string', default: '19100' },
    prof: { type: 'string', default: '' },
    top: { type: 'string', default: '25' },
    /** also sample allocations over the window: top allocating functions, written to <prof>/*.heapprofile */
    alloc: { type: 'boolean', default: false },
    /** write a heap snapshot (after a full GC) of the server at the end of the window to this file */
    heap: { type: 'string', default: '' },
    /** embedded (SQLite), mysql or postgres (a fresh database on the local server, dropped after) */
    storage: { type: 'string', default: 'embedded' },
    /** another build to measure (e.g. an older commit's checkout), default: this one */
    root: { type: 'string', default: '.' },
    /** extra flags for the server's node (space-separated), e.g. V8 heap flags to compare */
    'node-args': { type: 'string', default: '' },
  },
})

const CLK_TCK = 100

function freshStorage(driver: string) {
  if (driver !== 'mysql' && driver !== 'postgres') throw new Error(`--storage: embedded, mysql or postgres, not ${driver}`)
  const name = `prof_${Date.now().toString(36)}`
  const url = driver === 'mysql' ? `mysql://root@127.0.0.1:3306/${name}` : `postgres://postgres@127.0.0.1:5432/${name}`
  return { driver, url, poolSize: 1 } as const
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

async function main() {
  const port = Number(values.port)
  const pairs = Number(values.pairs)
  const seconds = Number(values.seconds)
  const profDir = values.prof || mkdtempSync(join(tmpdir(), 'jim-cpuprof-'))
  mkdirSync(profDir, { recursive: true })
  const inspectPort = port + 50
  const storage = values.storage === 'embedded' ? null : freshStorage(values.storage)
  if (storage) await ensureDatabaseExists({ storage })
  const env: Record<string, string> = storage
    ? { JIM_STORAGE_DRIVER: storage.driver, JIM_STORAGE_URL: storage.url, JIM_STORAGE_POOL_SIZE: '20' }
    : {}
  const nodeArgs = [`--inspect=127.0.0.1:${inspectPort}`, ...values['node-args'].split(' ').filter(Boolean)]
  const server = await startServer(port, env, { nodeArgs, root: values.root })
  const child = server.process
  const url = server.url
  const http = new BenchHttp(url, pairs * 2)
  const users = await createUsers(http, `p${Date.now().toString(36)}_`, pairs * 2)
  const convs: string[] = []
  for (let i = 0; i < pairs; i++) convs.push(await pair(http, users[2 * i]!, users[2 * i + 1]!))
  let delivered = 0
  const sockets: WebSocket[] = []
  for (let i = 0; i < pairs; i++) {
    sockets.push(
      await openSocket(`ws://127.0.0.1:${port}/api/v1/ws`, users[2 * i + 1]!.token, (f) => {
        if (f.type === 'message.created') delivered++
      }),
    )
  }
  // senders' sockets for ws mode: answers matched by ref
  const pending = new Map<string, () => void>()
  const senderSockets: WebSocket[] = []
  if (values.via === 'ws') {
    for (let i = 0; i < pairs; i++) {
      senderSockets.push(
        await openSocket(`ws://127.0.0.1:${port}/api/v1/ws`, users[2 * i]!.token, (f) => {
          if (f.type === 'message.ack' || f.type === 'error') pending.get(f.ref)?.()
        }),
      )
    }
  }
  let sent = 0
  let errors = 0
  let seq = 0
  const sendOne = async (i: number): Promise<void> => {
    const clientMsgId = `m${++seq}`
    if (values.via === 'ws') {
      await new Promise<void>((resolve) => {
        pending.set(clientMsgId, resolve)
        senderSockets[i]!.send(
          JSON.stringify({
            type: 'message.send',
            ref: clientMsgId,
            conversationId: convs[i],
            clientMsgId,
            messageType: 'text',
            content: { text: 'hello ' + seq },
          }),
        )
      })
      pending.delete(clientMsgId)
      sent++
      return
    }
    const res = await http.request(
      'POST',
      `/conversations/${convs[i]}/messages`,
      { clientMsgId, type: 'text', content: { text: 'hello ' + seq } },
      users[2 * i]!.token,
    )
    if (res.status === 201) sent++
    else errors++
  }
  // warm-up, then the measured run
  await Promise.all(convs.map((_, i) => sendOne(i)))
  const profiler = await Profiler.attach(inspectPort)
  await profiler.start()
  if (values.alloc) await profiler.startSampling()
  const startCpu = cpuSeconds(child.pid!)
  const usage = startUsage([child.pid!])
  const startSent = sent
  const start = performance.now()
  const end = start + seconds * 1000
  await Promise.all(
    convs.map(async (_, i) => {
      while (performance.now() < end) await sendOne(i)
    }),
  )
  const elapsed = (performance.now() - start) / 1000
  const cpu = cpuSeconds(child.pid!) - startCpu
  const { rssPeakMiB } = usage.stop()
  const count = sent - startSent
  const allocations = values.alloc ? await profiler.stopSampling() : null
  const memory = await profiler.memory()
  await profiler.collectGarbage()
  const memoryAfterGc = await profiler.memory()
  if (values.heap) await profiler.heapSnapshot(values.heap)
  const profile = await profiler.stop()
  for (const s of [...sockets, ...senderSockets]) s.close()
  http.close()
  await server.stop()
  if (storage) await dropDatabase({ storage })
  console.log(
    JSON.stringify({
      via: values.via,
      storage: values.storage,
      pairs,
      messages: count,
      errors,
      delivered,
      messagesPerSecond: round(count / elapsed),
      serverCpuMicrosPerMessage: round((cpu * 1e6) / count),
      serverCpuPercent: round((cpu / elapsed) * 100),
      rssPeakMiB: round(rssPeakMiB),
      // the server's process.memoryUsage() at the end of the window, MiB
      memoryMiB: memory,
      memoryAfterGcMiB: memoryAfterGc,
    }),
  )
  const file = join(profDir, `send-${values.via}-${Date.now()}.cpuprofile`)
  writeFileSync(file, JSON.stringify(profile))
  printTop(file, Number(values.top))
  if (allocations) {
    const allocFile = join(profDir, `send-${values.via}-${Date.now()}.heapprofile`)
    writeFileSync(allocFile, JSON.stringify(allocations))
    printAllocations(allocFile, allocations, count, Number(values.top))
  }
}

/** The server's inspector (Chrome DevTools protocol): profiles only the measured window. */
class Profiler {
  #ws: WebSocket
  #id = 0
  #waiting = new Map<number, (result: any) => void>()
  private constructor(ws: WebSocket) {
    this.#ws = ws
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString())
      if (msg.id !== undefined) this.#waiting.get(msg.id)?.(msg.result)
    })
  }
  static async attach(port: number): Promise<Profiler> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>
    const ws = new WS(list[0]!.webSocketDebuggerUrl)
    await new Promise((r) => ws.once('open', r))
    const p = new Profiler(ws)
    await p.#call('Profiler.enable')
    await p.#call('Profiler.setSamplingInterval', { interval: 200 })
    return p
  }
  #call(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = ++this.#id
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve)
      this.#ws.send(JSON.stringify({ id, method, params }))
    })
  }
  start = () => this.#call('Profiler.start')
  startSampling = () =>
    this.#call('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    })
  async stopSampling(): Promise<AllocationNode> {
    const { profile } = await this.#call('HeapProfiler.stopSampling')
    return profile.head
  }
  collectGarbage = () => this.#call('HeapProfiler.collectGarbage')
  async heapSnapshot(file: string): Promise<void> {
    const chunks: string[] = []
    const onChunk = (data: WS.RawData) => {
      const msg = JSON.parse(data.toString())
      if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(msg.params.chunk)
    }
    this.#ws.on('message', onChunk)
    await this.#call('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
    this.#ws.off('message', onChunk)
    writeFileSync(file, chunks.join(''))
  }
  /** process.memoryUsage() of the server and the committed size of each non-empty V8 heap space, in MiB */
  async memory(): Promise<Record<string, number>> {
    // `require` is the inspector's command-line API (the server itself is an ES module)
    const expression = `JSON.stringify(Object.fromEntries([
      ...Object.entries(process.memoryUsage()),
      ...require('node:v8').getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]),
    ].map(([k, v]) => [k, Math.round(v / 1048576)]).filter(([, v]) => v > 0)))`
    const { result } = await this.#call('Runtime.evaluate', { expression, includeCommandLineAPI: true })
    return JSON.parse(result.value)
  }
  async stop(): Promise<unknown> {
    const { profile } = await this.#call('Profiler.stop')
    this.#ws.close()
    return profile
  }
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

interface AllocationNode {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: AllocationNode[]
}

/** Bytes allocated per stored message, by allocating function (sampled every 4 KiB). */
function printAllocations(file: string, root: AllocationNode, messages: number, top: number) {
  const bySite = new Map<string, number>()
  let total = 0
  const walk = (n: AllocationNode) => {
    if (n.selfSize) {
      const where = n.callFrame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')
      const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`
      bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize)
      total += n.selfSize
    }
    for (const c of n.children) walk(c)
  }
  walk(root)
  console.log(`allocations: ${file} (sampled, ${round(total / messages / 1024)} KiB per stored message)`)
  for (const [key, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${key}`)
  }
}

/** Self time by function (name, file, line), as a share of all samples. */
function printTop(file: string, top: number) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] }
  const hits = new Map<number, number>()
  for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1)
  const byName = new Map<string, number>()
  for (const n of profile.nodes) {
    const h = hits.get(n.id) ?? 0
    if (!h) continue
    const where = n.callFrame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`
    byName.set(key, (byName.get(key) ?? 0) + h)
  }
  const total = profile.samples.length
  console.log(`profile: ${file} (${total} samples, measured window only)`)
  for (const [key, h] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((h / total) * 100).toFixed(1).padStart(5)}%  ${key}`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
