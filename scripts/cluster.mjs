#!/usr/bin/env node
// `npm run cluster`: a local three-instance JIM cluster for trying scale-out on one machine.
//
//   instances  http://127.0.0.1:8081, :8082, :8083  (node --import tsx src/cli.ts serve)
//   front      http://localhost:8080                 (a tiny round-robin TCP proxy: HTTP and WebSocket)
//   database   mysql://root@127.0.0.1:3306/jim_cluster (created on first start; JIM_STORAGE_URL overrides)
//   redis      redis://127.0.0.1:6379, prefix jim:cluster: (JIM_REDIS_URL / JIM_REDIS_PREFIX override)
//
// Ctrl-C stops the proxy, then every instance with SIGTERM (sockets get 1001), and waits for them.
// The proxy is for trying things out only; production uses nginx or HAProxy (docs/scaling.md).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'

const FRONT_PORT = Number(process.env.CLUSTER_PORT ?? 8080)
const PORTS = [8081, 8082, 8083]
const root = new URL('..', import.meta.url).pathname
const dataRoot = join(root, 'data', 'cluster')
mkdirSync(dataRoot, { recursive: true })

// every instance must sign captchas and file URLs with the same secret
const secretFile = join(dataRoot, 'secret')
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 })
const secret = process.env.JIM_SECRET || readFileSync(secretFile, 'utf8').trim()

const shared = {
  JIM_STORAGE_DRIVER: process.env.JIM_STORAGE_DRIVER ?? 'mysql',
  JIM_STORAGE_URL: process.env.JIM_STORAGE_URL ?? 'mysql://root@127.0.0.1:3306/jim_cluster',
  JIM_BROKER_DRIVER: 'redis',
  JIM_REDIS_URL: process.env.JIM_REDIS_URL ?? 'redis://127.0.0.1:6379',
  JIM_REDIS_PREFIX: process.env.JIM_REDIS_PREFIX ?? 'jim:cluster:',
  JIM_FILES_DRIVER: 'sql',
  JIM_SECRET: secret,
  JIM_PUBLIC_URL: process.env.JIM_PUBLIC_URL ?? `http://localhost:${FRONT_PORT}`,
  JIM_LOG_LEVEL: process.env.JIM_LOG_LEVEL ?? 'warn',
}

const say = (msg) => console.log(`[cluster] ${msg}`)
const instances = PORTS.map((port, i) => ({ name: `jim-${i + 1}`, port, child: null, up: false }))
let stopping = false

function start(instance) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env: { ...process.env, ...shared, JIM_HOST: '127.0.0.1', JIM_PORT: String(instance.port), JIM_DATA_DIR: join(dataRoot, instance.name) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  instance.child = child
  const prefix = (data) =>
    data
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((line) => console.log(`[${instance.name}] ${line}`))
  child.stdout.on('data', prefix)
  child.stderr.on('data', prefix)
  child.once('exit', (code, signal) => {
    instance.up = false
    if (!stopping) say(`${instance.name} exited (${signal ?? code}); the others keep serving`)
  })
}

async function waitReady(instance, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (instance.child.exitCode !== null) throw new Error(`${instance.name} exited during start`)
    try {
      const res = await fetch(`http://127.0.0.1:${instance.port}/readyz`)
      if (res.status === 200) {
        instance.up = true
        return
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${instance.name} was not ready within ${timeoutMs / 1000} s`)
}

// Round robin per TCP connection; a backend that refuses is skipped and retried later.
let next = 0
const forward = (client) => {
  client.pause()
  const tryBackend = (attempt) => {
    const candidates = instances.filter((i) => i.up)
    if (candidates.length === 0 || attempt >= instances.length) return client.destroy()
    const target = candidates[next++ % candidates.length]
    const upstream = net.connect({ host: '127.0.0.1', port: target.port })
    upstream.once('connect', () => {
      client.pipe(upstream)
      upstream.pipe(client)
      client.resume()
    })
    upstream.once('error', (err) => {
      if (upstream.bytesRead === 0 && upstream.bytesWritten === 0 && err.code === 'ECONNREFUSED') {
        target.up = false
        setTimeout(() => (target.up = target.child?.exitCode === null), 2000).unref()
        return tryBackend(attempt + 1)
      }
      client.destroy()
    })
    client.once('error', () => upstream.destroy())
    client.once('close', () => upstream.destroy())
    upstream.once('close', () => client.destroy())
  }
  tryBackend(0)
}
// localhost may be 127.0.0.1 or ::1 for a browser: listen on both, on loopback only
const proxies = ['127.0.0.1', '::1'].map((host) => ({ host, server: net.createServer(forward) }))

async function stop(exitCode = 0) {
  if (stopping) return
  stopping = true
  say('stopping: proxy, then every instance with SIGTERM (sockets get 1001)')
  for (const { server } of proxies) server.close()
  await Promise.all(
    instances.map(
      (i) =>
        new Promise((resolve) => {
          if (!i.child || i.child.exitCode !== null) return resolve()
          i.child.once('exit', resolve)
          i.child.kill('SIGTERM')
          setTimeout(() => i.child.kill('SIGKILL'), 15_000).unref()
        }),
    ),
  )
  say('stopped')
  process.exit(exitCode)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())

try {
  say(`database ${shared.JIM_STORAGE_URL}, redis ${shared.JIM_REDIS_URL} (prefix ${shared.JIM_REDIS_PREFIX})`)
  // the first instance creates and migrates the database; the others then start together
  start(instances[0])
  await waitReady(instances[0])
  for (const i of instances.slice(1)) start(i)
  await Promise.all(instances.slice(1).map((i) => waitReady(i)))
  for (const [i, { host, server }] of proxies.entries()) {
    await new Promise((resolve, reject) => {
      // IPv6 loopback is a bonus: without it, browsers use 127.0.0.1
      server.once('error', i === 0 ? reject : resolve)
      server.listen(FRONT_PORT, host, resolve)
    })
  }
  if (!existsSync(join(root, 'dist', 'web', 'index.html')))
    say('the web client is not built: run `npm run build:web` once for the browser UI')
  for (const i of instances) say(`${i.name}: http://127.0.0.1:${i.port}  (/readyz, /metrics)`)
  say(`open http://localhost:${FRONT_PORT} (round robin over the three); Ctrl-C stops all`)
} catch (err) {
  say(`failed to start: ${err.message}`)
  await stop(1)
}
