import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { Redis } from 'ioredis'
import { serviceAvailable } from './services.js'

export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379'

/** The machine's Redis on 6379: skips loudly on a laptop without it, fails when CI=true. */
export function redisAvailable(): Promise<boolean> {
  return serviceAvailable('Redis', 6379)
}

/** A key prefix no other run uses: `jim:test:<random>:`. */
export function uniqueRedisPrefix(): string {
  return `jim:test:${randomBytes(5).toString('hex')}:`
}

/** Deletes every key under `prefix` (SCAN, never KEYS) on the given Redis. */
export async function deleteRedisKeys(prefix: string, url = SHARED_REDIS_URL): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await client.connect()
  let deleted = 0
  try {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) deleted += await client.del(...keys)
    } while (cursor !== '0')
  } finally {
    client.disconnect()
  }
  return deleted
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * A private `redis-server` on a free port for fault tests (never the machine's shared one):
 * no persistence, so a restart loses every key, like a real crash without AOF.
 */
export class OwnRedisServer {
  #child: ChildProcess | null = null
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedisServer> {
    const server = new OwnRedisServer(await freePort())
    await server.start()
    return server
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    if (this.#child) return
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    })
    this.#child = child
    const deadline = Date.now() + 5000
    while (!(await portOpen(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
      if (Date.now() > deadline) throw new Error('redis-server did not start within 5 s')
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  /** SIGKILL: connections drop at once, every key is lost. */
  async kill(): Promise<void> {
    const child = this.#child
    if (!child) return
    this.#child = null
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }

  async stop(): Promise<void> {
    await this.kill()
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
