import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { freePort } from './redis.js'

const run = promisify(execFile)

interface Node {
  port: number
  child: ChildProcess | null
}

/**
 * Whether `redis-server` 7+ and `redis-cli` are installed (sharded pub/sub): skips loudly on a
 * laptop without them, fails when CI=true.
 */
export async function redisClusterAvailable(): Promise<boolean> {
  let ok = false
  try {
    const { stdout } = await run('redis-server', ['--version'])
    await run('redis-cli', ['--version'])
    ok = Number(/v=(\d+)/.exec(stdout)?.[1] ?? 0) >= 7
  } catch {
    ok = false
  }
  if (!ok) {
    if (process.env.CI === 'true') throw new Error('redis-server 7+ and redis-cli are required for the Redis Cluster tests (CI=true)')
    console.warn('\n*** SKIPPING Redis Cluster tests: redis-server 7+ or redis-cli missing ***\n')
  }
  return ok
}

/**
 * A private Redis Cluster of 3 masters and 3 replicas on free ports (`redis-server
 * --cluster-enabled yes`, joined by `redis-cli --cluster create --cluster-replicas 1`), no
 * persistence, a 1 s node timeout so a killed master's replica takes over within a few seconds.
 * Its files live in a temporary directory removed by `stop`.
 */
export class TestRedisCluster {
  private constructor(
    private readonly dir: string,
    private readonly nodes: Node[],
  ) {}

  static async start(size = 6): Promise<TestRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'jim-redis-cluster-'))
    const nodes: Node[] = []
    for (let i = 0; i < size; i++) nodes.push({ port: await freePort(), child: null })
    const cluster = new TestRedisCluster(dir, nodes)
    try {
      for (const node of nodes) cluster.#spawn(node)
      for (const node of nodes) await waitFor(() => ping(node.port), `redis-server :${node.port} to answer`)
      await run('redis-cli', [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ])
      await waitFor(() => cluster.#healthy(), 'the Redis Cluster to be ok on every node', 20_000)
    } catch (err) {
      await cluster.stop()
      throw err
    }
    return cluster
  }

  /** `JIM_REDIS_URL` for it: every node as a seed. */
  get url(): string {
    return `redis-cluster://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`
  }

  /** The port of the master that owns `key`'s slot (hash tags respected). */
  async masterOf(key: string): Promise<number> {
    const port = this.nodes.find((n) => n.child)!.port
    const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 })
    await client.connect()
    try {
      const slot = (await client.call('CLUSTER', 'KEYSLOT', key)) as number
      const slots = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>
      const owner = slots.find(([from, to]) => slot >= from && slot <= to)
      if (!owner) throw new Error(`no master owns slot ${slot}`)
      return owner[2][1]
    } finally {
      client.disconnect()
    }
  }

  /** SIGKILL one node (a crashed master: its replica is promoted after the node timeout). */
  async kill(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port)
    const child = node?.child
    if (!node || !child) return
    node.child = null
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }

  /** Resolves once every live node reports the cluster ok and a master for every slot (after a failover). */
  async settled(timeoutMs = 20_000): Promise<void> {
    await waitFor(() => this.#healthy(), 'the Redis Cluster to be ok again', timeoutMs)
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.port)))
    rmSync(this.dir, { recursive: true, force: true })
  }

  #spawn(node: Node): void {
    const args = ['--port', String(node.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    // validity factor 0: a replica always takes over, however long ago it last heard its master
    args.push('--cluster-enabled', 'yes', '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0', '--dir', this.dir)
    args.push('--cluster-config-file', `nodes-${node.port}.conf`)
    node.child = spawn('redis-server', args, { stdio: 'ignore' })
  }

  async #healthy(): Promise<boolean> {
    for (const node of this.nodes) {
      if (!node.child) continue
      const client = new Redis(node.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      try {
        await client.connect()
        const info = (await client.call('CLUSTER', 'INFO')) as string
        if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384')) return false
        // after a kill: ok only once no slot is served by a dead master any more (its replica took over)
        const slots = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>
        if (slots.some(([, , master]) => !this.nodes.find((n) => n.port === master[1])?.child)) return false
      } catch {
        return false
      } finally {
        client.disconnect()
      }
    }
    return true
  }
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
