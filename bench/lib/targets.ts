import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dropDatabase, ensureDatabaseExists } from '../../src/store/sql/database.js'
import type { RunningTarget, Shape, StartOptions, TargetInstance, TargetKind } from './scenario.js'
import { startServer, type BenchServer } from './server.js'

const REDIS_URL = 'redis://127.0.0.1:6379'

/** A fresh database for one target run: a new name on the shared server, dropped by `drop`. */
function freshDatabase(shape: Exclude<Shape, 'embedded'>, tag: string) {
  const name = `bench_${tag}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`
  const url = shape === 'mysql' ? `mysql://root@127.0.0.1:3306/${name}` : `postgres://postgres@127.0.0.1:5432/${name}`
  const storage = { driver: shape, url, poolSize: 1 }
  return {
    name,
    url,
    create: () => ensureDatabaseExists({ storage }),
    drop: () => dropDatabase({ storage }),
  }
}

async function startJim(shape: Shape, ports: () => number, opts: StartOptions): Promise<RunningTarget> {
  if (shape === 'embedded') {
    const s = await startServer(ports(), opts.env ?? {}, opts.root ? { root: opts.root } : {})
    return {
      kind: 'jim',
      shape,
      instances: [{ url: s.url, wsUrl: s.wsUrl, pid: s.process.pid! }],
      metricsUrls: [s.url + '/metrics'],
      stop: () => s.stop(),
    }
  }
  const db = freshDatabase(shape, 'jim')
  const env = {
    ...opts.env,
    JIM_STORAGE_DRIVER: shape,
    JIM_STORAGE_URL: db.url,
    JIM_STORAGE_POOL_SIZE: '20',
    JIM_BROKER_DRIVER: 'redis',
    JIM_REDIS_URL: opts.redisUrl ?? REDIS_URL,
    JIM_REDIS_PREFIX: `${db.name}:`,
    JIM_FILES_DRIVER: 'sql',
    JIM_SECRET: 'bench-secret-shared-by-every-instance',
  }
  // the first instance creates and migrates the database before the others start
  const servers: BenchServer[] = []
  try {
    const where = opts.root ? { root: opts.root } : {}
    servers.push(await startServer(ports(), env, where))
    for (let i = 1; i < (opts.instances ?? 2); i++) servers.push(await startServer(ports(), env, where))
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()))
    await db.drop()
    throw err
  }
  return {
    kind: 'jim',
    shape,
    instances: servers.map((s) => ({ url: s.url, wsUrl: s.wsUrl, pid: s.process.pid! })),
    metricsUrls: servers.map((s) => s.url + '/metrics'),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()))
      await db.drop()
    },
  }
}

const BASELINE_FILES: Record<Exclude<TargetKind, 'jim'>, string> = {
  'least-code': 'bench/baselines/least-code.ts',
  socketio: 'bench/baselines/socketio-chat.ts',
  'ws-broadcast': 'bench/baselines/ws-broadcast.ts',
}

/** Starts one baseline process (`node --import tsx <file>`) and waits for its GET /healthz. */
async function startBaselineProcess(
  file: string,
  port: number,
  env: Record<string, string>,
): Promise<TargetInstance & { stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      if ((await fetch(url + '/healthz')).ok) break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL')
      throw new Error(`${file} on ${port} did not start`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    wsUrl: file.includes('socketio') ? url : `ws://127.0.0.1:${port}/ws`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    },
  }
}

async function startBaseline(kind: Exclude<TargetKind, 'jim'>, shape: Shape, ports: () => number): Promise<RunningTarget> {
  const file = BASELINE_FILES[kind]
  if (kind === 'ws-broadcast' || shape === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'jim-baseline-'))
    const p = await startBaselineProcess(file, ports(), { BENCH_DB_URL: `sqlite:${join(dir, 'chat.db')}` })
    return {
      kind,
      shape,
      instances: [p],
      metricsUrls: [],
      stop: async () => {
        await p.stop()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const db = freshDatabase(shape, kind.replace('-', ''))
  await db.create()
  const env = { BENCH_DB_URL: db.url, BENCH_REDIS_URL: REDIS_URL, BENCH_REDIS_PREFIX: `${db.name}:` }
  // the first process creates the tables before the second starts
  const first = await startBaselineProcess(file, ports(), env).catch(async (err) => {
    await db.drop()
    throw err
  })
  const second = await startBaselineProcess(file, ports(), env).catch(async (err) => {
    await first.stop()
    await db.drop()
    throw err
  })
  return {
    kind,
    shape,
    instances: [first, second],
    metricsUrls: [],
    stop: async () => {
      await Promise.all([first.stop(), second.stop()])
      await db.drop()
    },
  }
}

/** Starts a target of `kind` on `shape` as separate processes, with a fresh database. */
export function startTarget(kind: TargetKind, shape: Shape, ports: () => number, opts: StartOptions = {}): Promise<RunningTarget> {
  return kind === 'jim' ? startJim(shape, ports, opts) : startBaseline(kind, shape, ports)
}
