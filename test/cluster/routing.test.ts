import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RedisBroker } from '../../src/broker/redis-broker.js'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import {
  clusterDialects,
  clusterServicesAvailable,
  expectExactlyOnceInOrder,
  range,
  seqsOf,
  startCluster,
  via,
  type TestCluster,
} from '../helpers/cluster.js'
import { eventually } from '../helpers/eventually.js'
import { befriend } from '../helpers/social.js'
import type { TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

/**
 * Every envelope Redis hands out under the cluster's prefix, by channel: what each instance
 * receives (its own channel, plus the broadcast channel everybody gets).
 */
class ChannelTap {
  readonly envelopes: Array<{ channel: string; conversationId?: string; ping: boolean }> = []
  private constructor(private readonly client: Redis) {}

  static async start(url: string, prefix: string): Promise<ChannelTap> {
    const client = new Redis(url, { lazyConnect: true })
    await client.connect()
    const tap = new ChannelTap(client)
    client.on('pmessage', (_pattern: string, channel: string, raw: string) => {
      const env = JSON.parse(raw) as { p?: number; e?: { kind: string; route?: { conversationId?: string } } }
      tap.envelopes.push({ channel, conversationId: env.e?.route?.conversationId, ping: env.p !== undefined })
    })
    await client.psubscribe(`${prefix}*`)
    return tap
  }

  /** Events about a conversation that reached an instance through Redis (its channel or the broadcast one). */
  received(prefix: string, instanceId: string, conversationId: string): number {
    const channels = [`${prefix}instance:${instanceId}`, `${prefix}cluster`]
    return this.envelopes.filter((e) => !e.ping && e.conversationId === conversationId && channels.includes(e.channel)).length
  }

  close(): void {
    this.client.disconnect()
  }
}

let sent = 0
async function send(node: TestApp, user: TestUser, conversationId: string): Promise<number> {
  const res = await via(node, user).post(`/conversations/${conversationId}/messages`, {
    clientMsgId: `r${++sent}-${Date.now()}`,
    type: 'text',
    content: { text: `routed ${sent}` },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.message.seq as number
}

// one dialect is enough here: routing does not touch the database (the fan-out suite runs on all)
const dialect = clusterDialects().includes('postgres') ? 'postgres' : clusterDialects()[0]

describe.runIf(dialect)(`${dialect}: targeted routing across four instances on one Redis`, async () => {
  if (!dialect || !(await clusterServicesAvailable(dialect))) return
  let c: TestCluster
  let nodes: TestApp[]
  let tap: ChannelTap
  const sockets: TestSocket[] = []
  const people: Record<'ana' | 'bo' | 'cy' | 'dee', TestUser> = {} as never
  let group = ''
  const instanceOf = (node: number) => (nodes[node]!.app.broker as RedisBroker).instanceId

  async function open(user: TestUser, node: number): Promise<TestSocket> {
    const session = await login(nodes[node]!.url, user.username)
    const sock = await TestSocket.open(nodes[node]!.wsUrl, { token: session.token })
    sockets.push(sock)
    return sock
  }

  beforeAll(async () => {
    c = await startCluster({ dialect, size: 4, overrides: { 'messages.sendPerMinute': 100_000 } })
    nodes = c.nodes
    tap = await ChannelTap.start(c.redisUrl, c.prefix)
    for (const name of ['ana', 'bo', 'cy', 'dee'] as const) people[name] = await createUser(nodes[0]!.url, name)
    await befriend(people.ana, people.bo)
    await befriend(people.ana, people.cy)
    const created = await via(nodes[0]!, people.ana).post('/groups', { name: 'routed', memberIds: [people.bo.id, people.cy.id] })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    group = created.body.group.conversationId
  })
  afterAll(async () => {
    for (const s of sockets) s.close()
    tap?.close()
    await c?.close()
  })

  it("should send a conversation's events only to the instances of its members, each recipient getting each once", async () => {
    // members on instances 0, 1 and 2; instance 3 holds only dee, who is not in the group
    const ana = await open(people.ana, 0)
    const bo = await open(people.bo, 1)
    const cy = await open(people.cy, 2)
    const dee = await open(people.dee, 3)
    const seqs: number[] = []
    // sent through every instance, the one without a member too
    for (let i = 0; i < 16; i++) seqs.push(await send(nodes[i % 4]!, [people.ana, people.bo, people.cy][i % 3]!, group))
    const last = Math.max(...seqs)
    await eventually(() => [ana, bo, cy].every((s) => seqsOf(s, group).at(-1) === last), 'every member socket to reach the last seq')
    await new Promise((r) => setTimeout(r, 300))

    const first = Math.min(...seqs)
    for (const [name, sock] of Object.entries({ ana, bo, cy })) expectExactlyOnceInOrder(sock, group, range(first, last), name)
    expect(seqsOf(dee, group)).toEqual([])
    // instance 3 got none of them from Redis; each member's instance got the ones sent elsewhere, once
    expect(tap.received(c.prefix, instanceOf(3), group), 'events of the group received by instance 3').toBe(0)
    const sentThrough = (node: number) => seqs.filter((_, i) => i % 4 === node).length
    for (const node of [0, 1, 2]) {
      expect(tap.received(c.prefix, instanceOf(node), group), `events received by instance ${node}`).toBe(16 - sentThrough(node))
    }
    for (const s of [ana, bo, cy, dee]) s.close()
  })

  it('should lose nothing, and repeat nothing, when a recipient moves to another instance mid-stream', async () => {
    const old = await open(people.bo, 1)
    const acked: number[] = []
    let moved: TestSocket | null = null
    const stream = (async () => {
      for (let i = 0; i < 40; i++) acked.push(await send(nodes[i % 2 === 0 ? 0 : 2]!, people.ana, group))
    })()
    await eventually(() => acked.length >= 10, 'ten messages sent')
    // bo's device reconnects through instance 3 (no member there until now) while messages keep coming
    old.close()
    await old.closed
    const have = seqsOf(old, group)
    moved = await open(people.bo, 3)
    moved.send({ type: 'resume', positions: { [group]: have.at(-1) ?? 0 } })
    await stream
    const last = Math.max(...acked)
    await eventually(() => seqsOf(moved!, group).includes(last), 'the moved socket to reach the last seq', 10_000)
    await new Promise((r) => setTimeout(r, 300))

    const got = seqsOf(moved, group)
    // the new socket picks up right after what the old one had: each seq once, in order, none missing
    expect(got, 'seqs on the moved socket').toEqual(range((have.at(-1) ?? 0) + 1, last))
    expect(new Set([...have, ...got]).size).toBe(have.length + got.length)
    for (const seq of acked) expect([...have, ...got]).toContain(seq)
    expect(tap.received(c.prefix, instanceOf(3), group), 'instance 3 receives once it holds a member').toBeGreaterThan(0)
  })
})
