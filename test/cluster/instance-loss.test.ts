import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { clusterDialects, clusterServicesAvailable, range, sendLoad, seqsOf, via } from '../helpers/cluster.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { eventually } from '../helpers/eventually.js'
import { InstanceProcess } from '../helpers/instance-process.js'
import { SHARED_REDIS_URL, deleteRedisKeys, uniqueRedisPrefix } from '../helpers/redis.js'
import { befriend } from '../helpers/social.js'
import { TestSocket } from '../helpers/ws-client.js'

/** One signed-in device: the sockets it had over time (it reconnects when its instance goes). */
class Device {
  readonly sockets: TestSocket[] = []
  constructor(
    readonly name: string,
    readonly user: TestUser,
  ) {}

  get sock(): TestSocket {
    return this.sockets.at(-1)!
  }

  /** Every message seq of the conversation this device was shown, over all its sockets. */
  seqs(conversationId: string): number[] {
    return this.sockets.flatMap((s) => seqsOf(s, conversationId))
  }

  async connect(node: InstanceProcess): Promise<void> {
    this.sockets.push(await TestSocket.open(node.wsUrl, { token: this.user.token }))
  }

  /**
   * The last seq up to which this device has every message: a new socket may get a live push
   * before the client's `resume` is answered, so "the highest seq seen" could skip a hole.
   */
  lastContiguous(conversationId: string): number {
    const have = new Set(this.seqs(conversationId))
    let last = Math.min(...have)
    if (!Number.isFinite(last)) return 0
    while (have.has(last + 1)) last++
    return last
  }

  /** What a client does after losing its socket or being told `sync`: resume from where it has everything. */
  async resume(conversationId: string): Promise<void> {
    const sock = this.sock
    const before = sock.all('resumed').length
    sock.send({ type: 'resume', positions: { [conversationId]: this.lastContiguous(conversationId) } })
    await eventually(() => sock.all('resumed').length > before, `${this.name} resumed`, 10_000)
  }
}

/**
 * Every acknowledged message is on the device exactly once, nothing missing in between; each of
 * its sockets got its messages in seq order, except what a `resume` on a fresh socket replayed
 * behind a live push that came first (the client orders by seq).
 */
function expectComplete(device: Device, conversationId: string, acked: number[]): void {
  const seqs = device.seqs(conversationId)
  const first = Math.min(...acked)
  const last = Math.max(...acked)
  expect(new Set(seqs).size, `${device.name}: no message twice`).toBe(seqs.length)
  const from = seqs.filter((s) => s >= first).sort((a, b) => a - b)
  expect(from, `${device.name}: every seq ${first}..${last}`).toEqual(range(first, Math.max(last, from.at(-1) ?? last)))
  if (device.sockets.length === 1) expect(seqs, `${device.name}: in order`).toEqual([...seqs].sort((a, b) => a - b))
}

for (const dialect of clusterDialects()) {
  describe(`${dialect}: instances as processes, killed and drained`, async () => {
    if (!(await clusterServicesAvailable(dialect))) return
    let database: TestDatabase
    let prefix: string
    let nodes: InstanceProcess[] = []
    let conv: string
    const people: Record<string, TestUser> = {}
    const devices: Device[] = []
    const device = (name: string) => devices.find((d) => d.name === name)!

    beforeAll(async () => {
      database = createTestDatabase(dialect)
      prefix = uniqueRedisPrefix()
      const env = {
        JIM_STORAGE_DRIVER: dialect,
        JIM_STORAGE_URL: database.overrides['storage.url'] as string,
        JIM_BROKER_DRIVER: 'redis',
        JIM_REDIS_URL: SHARED_REDIS_URL,
        JIM_REDIS_PREFIX: prefix,
        JIM_REDIS_PRESENCE_TTL_SECONDS: '3',
        JIM_FILES_DRIVER: 'sql',
        JIM_SECRET: 'cluster-test-secret-shared-by-every-instance',
        JIM_MESSAGES_SEND_PER_MINUTE: '100000',
      }
      // all three at once, as a deployment would: they create and migrate the database together
      nodes = await Promise.all([0, 1, 2].map(() => InstanceProcess.start(env)))
      await Promise.all(nodes.map((n) => n.ready()))
      const [n0, n1, n2] = nodes as [InstanceProcess, InstanceProcess, InstanceProcess]
      for (const name of ['ana', 'bo', 'cy', 'dee']) people[name] = await createUser(n0.url, name)
      const { ana, bo, cy, dee } = people as Record<string, TestUser>
      await befriend(ana!, bo!)
      await befriend(ana!, cy!)
      await befriend(ana!, dee!)
      const group = await via(n1, ana!).post('/groups', { name: 'survivors', memberIds: [bo!.id, cy!.id] })
      conv = group.body.group.conversationId
      // devices: every group member has one on the instance that will be killed (2) or drained (1)
      const layout: Array<[string, string, InstanceProcess]> = [
        ['ana@0', 'ana', n0],
        ['ana@2', 'ana', n2],
        ['bo@1', 'bo', n1],
        ['bo@2', 'bo', n2],
        ['cy@0', 'cy', n0],
        ['cy@1', 'cy', n1],
        ['dee@2', 'dee', n2],
      ]
      for (const [name, who, node] of layout) {
        const d = new Device(name, await login(node.url, people[who]!.username))
        await d.connect(node)
        devices.push(d)
      }
    })
    afterAll(async () => {
      for (const d of devices) for (const s of d.sockets) s.close()
      await Promise.all(nodes.map((n) => n.stop()))
      await database?.cleanup()
      await deleteRedisKeys(prefix).catch(() => 0)
    })

    it('should lose no acknowledged message when an instance is SIGKILLed under load, once its clients reconnect and resume', async () => {
      const [n0, n1, n2] = nodes as [InstanceProcess, InstanceProcess, InstanceProcess]
      const { ana, bo, cy } = people as Record<string, TestUser>
      const load = sendLoad(
        [
          { node: n0, user: ana! },
          { node: n1, user: bo! },
          { node: n2, user: cy! },
          { node: n0, user: cy! },
        ],
        conv,
      )
      await new Promise((r) => setTimeout(r, 800))
      n2.signal('SIGKILL')
      expect((await n2.exited).signal).toBe('SIGKILL')
      // its clients notice and reconnect to the others (a load balancer would pick them)
      const orphans = devices.filter((d) => d.name.endsWith('@2') && d.name !== 'dee@2')
      for (const [i, d] of orphans.entries()) {
        await d.sock.closed
        await d.connect(i % 2 ? n0 : n1)
        await d.resume(conv)
      }
      await new Promise((r) => setTimeout(r, 800))
      await load.stop()
      expect(load.acked.length).toBeGreaterThan(20)
      const members = devices.filter((d) => d.name !== 'dee@2')
      for (const d of members) await d.resume(conv)
      for (const d of members) expectComplete(d, conv, load.acked)

      // dee was only on the dead instance: ana's devices hear dee went offline once its heartbeat expires (3 s TTL)
      const dee = people.dee!
      await eventually(
        () =>
          device('ana@0')
            .sock.all('presence')
            .some((f) => f.userId === dee.id && f.connected === false),
        "dee's offline presence",
        8000,
      )
    })

    it('should drain on SIGTERM: close sockets with 1001, exit, and let clients resume elsewhere without loss', async () => {
      const [n0, n1] = nodes as [InstanceProcess, InstanceProcess]
      const { ana, bo } = people as Record<string, TestUser>
      const load = sendLoad(
        [
          { node: n0, user: ana! },
          { node: n1, user: bo! },
        ],
        conv,
      )
      await new Promise((r) => setTimeout(r, 500))
      const onDrained = devices.filter((d) => d.sock.ws.url.includes(`:${n1.port}/`))
      expect(onDrained.length).toBeGreaterThanOrEqual(2)
      n1.signal('SIGTERM')
      for (const d of onDrained) expect((await d.sock.closed).code).toBe(1001)
      const exit = await Promise.race([n1.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))])
      expect(exit, `exited by itself after SIGTERM:\n${n1.output}`).toEqual({ code: 0, signal: null })
      for (const d of onDrained) {
        await d.connect(n0)
        await d.resume(conv)
      }
      await new Promise((r) => setTimeout(r, 500))
      await load.stop()
      const members = devices.filter((d) => d.name !== 'dee@2')
      for (const d of members) await d.resume(conv)
      for (const d of members) expectComplete(d, conv, load.acked)
    })
  })
}
