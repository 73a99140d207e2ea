/**
 * `npx tsx bench/ab-cluster.ts [--roots .,/work/b-abc] [--shape mysql|postgres] [--rounds 2] [--pairs 100]
 *   [--seconds 6] [--rate 1000] [--port 19100]`
 *
 * A/B of JIM builds in the cluster shape (2 instances on MariaDB or PostgreSQL + Redis, senders on
 * the first, receivers on the second), interleaved: for each round, each root's dist/ runs the
 * direct-chat phases of `npm run bench` (full speed over REST, then `--rate` msg/s offered; 0 skips
 * it) on a fresh database and a private `redis-server` started by this tool, so Redis's
 * `INFO commandstats` counts only this JIM: the row shows Redis commands per stored message
 * (by command) and the Redis process's CPU per message, beside msg/s, both instances' CPU and p99,
 * and their read and write system calls per message (/proc/<pid>/io; every socket read or write
 * of HTTP, WebSocket, SQL and Redis traffic is one).
 * MariaDB's global `Questions` counter per message is printed too (other clients of the shared
 * server add to it: read it on a quiet machine only).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import mysql from 'mysql2/promise'
import { chatClient, inParallel } from './lib/chat-clients.js'
import { DeliveryLog, runPhase, type PhaseSpec } from './lib/load.js'
import { cpuMicros } from './lib/proc-stats.js'
import type { Shape } from './lib/scenario.js'
import { startTarget } from './lib/targets.js'

const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: '.' },
    shape: { type: 'string', default: 'mysql' },
    rounds: { type: 'string', default: '2' },
    pairs: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '6' },
    rate: { type: 'string', default: '1000' },
    port: { type: 'string', default: '19100' },
  },
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function startRedis(port: number) {
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], {
    stdio: 'ignore',
  })
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false))
      s.unref()
      setTimeout(() => s.destroy(), 100)
    })
    if (up) break
    if (i > 100 || child.exitCode !== null) {
      child.kill()
      throw new Error(`redis-server on ${port} did not start`)
    }
    await sleep(50)
  }
  const client = new Redis({ port })
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    async stats(): Promise<Record<string, number>> {
      const text = await client.info('commandstats')
      const out: Record<string, number> = {}
      for (const m of text.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) out[m[1]!] = Number(m[2])
      return out
    },
    async stop() {
      client.disconnect()
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    },
  }
}

/** read and write system calls of the processes so far (/proc/<pid>/io: socket reads and writes count) */
function syscalls(pids: number[]): { r: number; w: number } {
  let r = 0
  let w = 0
  for (const pid of pids) {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8')
    r += Number(/syscr: (\d+)/.exec(io)![1])
    w += Number(/syscw: (\d+)/.exec(io)![1])
  }
  return { r, w }
}

async function mysqlQuestions(): Promise<number> {
  const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root' })
  const [rows] = await c.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Questions'")
  await c.end()
  return Number(rows[0]!.Value)
}

async function main() {
  const shape = values.shape as Shape
  if (shape !== 'mysql' && shape !== 'postgres') throw new Error('--shape mysql or postgres')
  const roots = values.roots.split(',')
  const base = Number(values.port)
  let n = 0
  const ports = () => base + (n++ % 80)
  const redis = await startRedis(base + 90)
  const phases: PhaseSpec[] = [{ scenario: 'full', via: 'rest', seconds: Number(values.seconds) }]
  if (Number(values.rate) > 0)
    phases.push({ scenario: `rate${values.rate}`, via: 'rest', seconds: Number(values.seconds), rate: Number(values.rate) })
  try {
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const root of roots) {
        const target = await startTarget('jim', shape, ports, { root, redisUrl: redis.url })
        const client = chatClient(target)
        try {
          const pairs = await client.setup(Number(values.pairs))
          const log = new DeliveryLog()
          await inParallel(pairs, 16, (p) => client.listen(p, log.receiver(p.receiver)))
          let tag = 0
          for (const spec of phases) {
            const redisBefore = await redis.stats()
            const redisCpu = cpuMicros(redis.pid)
            const pids = target.instances.map((i) => i.pid)
            const calls = syscalls(pids)
            const questions = shape === 'mysql' ? await mysqlQuestions() : 0
            const row = await runPhase(client, target, pairs, log, spec, `p${++tag}`)
            const stored = Math.round((row.metrics.msgPerSec ?? 0) * spec.seconds) || 1
            const redisAfter = await redis.stats()
            const perMsg: Record<string, number> = {}
            for (const [cmd, calls] of Object.entries(redisAfter)) {
              const d = calls - (redisBefore[cmd] ?? 0) - (cmd === 'info' ? 1 : 0)
              if (d > 0) perMsg[cmd] = Math.round((d / stored) * 100) / 100
            }
            const { correctness, metrics } = row
            console.log(
              JSON.stringify({
                round,
                root,
                phase: spec.scenario,
                load: loadavg().map((l) => l.toFixed(1)),
                msgPerSec: metrics.msgPerSec,
                cpuUsPerMsg: metrics.cpuUsPerMsg,
                p50Ms: metrics.p50Ms,
                p99Ms: metrics.p99Ms,
                writesPerMsg: Math.round(((syscalls(pids).w - calls.w) / stored) * 100) / 100,
                readsPerMsg: Math.round(((syscalls(pids).r - calls.r) / stored) * 100) / 100,
                redisUsPerMsg: Math.round((cpuMicros(redis.pid) - redisCpu) / stored),
                redisCmdsPerMsg: perMsg,
                ...(shape === 'mysql'
                  ? { mysqlQuestionsPerMsg: Math.round((((await mysqlQuestions()) - questions) / stored) * 100) / 100 }
                  : {}),
                bad: (correctness?.lost ?? 0) + (correctness?.duplicated ?? 0) + (correctness?.gaps ?? 0),
              }),
            )
          }
        } finally {
          await client.close()
          await target.stop()
        }
      }
    }
  } finally {
    await redis.stop()
  }
}

await main()
