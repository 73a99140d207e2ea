import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { clusterDialects, clusterServicesAvailable, range, seqsOf, startCluster, via, type TestCluster } from '../helpers/cluster.js'
import { eventually } from '../helpers/eventually.js'
import { FaultProxy } from '../helpers/fault-proxy.js'
import { OwnRedisServer } from '../helpers/redis.js'
import { befriend } from '../helpers/social.js'
import type { TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

const DB_PORT = { mysql: 3306, postgres: 5432 } as const

async function readyz(node: TestApp): Promise<{ status: number; body: any; retryAfter: string | null }> {
  const res = await fetch(`${node.url}/readyz`)
  return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') }
}

async function metric(node: TestApp, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line ? Number(line.split(' ')[1]) : 0
}

/**
 * Senders post into one conversation through their instances until `stop()`; every answer is
 * recorded: 201 = acknowledged (must never be lost), anything else must be a clean refusal.
 */
function sendLoad(senders: Array<{ node: TestApp; user: TestUser }>, conversationId: string) {
  const acked: number[] = []
  const other: number[] = []
  let running = true
  let n = 0
  const loops = senders.map(async ({ node, user }) => {
    while (running) {
      const res = await via(node, user)
        .post(`/conversations/${conversationId}/messages`, {
          clientMsgId: `load-${user.id}-${++n}`,
          type: 'text',
          content: { text: `m${n}` },
        })
        .catch(() => ({ status: 0, body: null }))
      if (res.status === 201) acked.push(res.body.message.seq)
      else other.push(res.status)
      await new Promise((r) => setTimeout(r, 10))
    }
  })
  return {
    acked,
    other,
    stop: async () => {
      running = false
      await Promise.all(loops)
    },
  }
}

for (const dialect of clusterDialects()) {
  describe(`${dialect}: a cluster losing Redis or its database`, async () => {
    if (!(await clusterServicesAvailable(dialect))) return
    let redis: OwnRedisServer
    let dbProxy: FaultProxy
    let c: TestCluster
    let nodes: TestApp[]
    let users: TestUser[]
    let conv: string
    const sockets: TestSocket[] = []

    beforeAll(async () => {
      redis = await OwnRedisServer.start()
      dbProxy = await FaultProxy.start({ port: DB_PORT[dialect] })
      const proxied = (url: string) => url.replace(`:${DB_PORT[dialect]}/`, `:${dbProxy.port}/`)
      c = await startCluster({
        dialect,
        redisUrl: redis.url,
        overrides: { 'messages.sendPerMinute': 100_000, 'redis.presenceTtlSeconds': 3 },
        databaseOverrides: (db) => ({ 'storage.url': proxied(db.overrides['storage.url'] as string) }),
      })
      nodes = c.nodes
      users = await Promise.all(['ana', 'bo', 'cy'].map((name, i) => createUser(nodes[i]!.url, name)))
      await befriend(users[0]!, users[1]!)
      await befriend(users[0]!, users[2]!)
      const group = await via(nodes[0]!, users[0]!).post('/groups', { name: 'faults', memberIds: [users[1]!.id, users[2]!.id] })
      conv = group.body.group.conversationId
    })
    afterAll(async () => {
      for (const s of sockets) s.close()
      await c?.close()
      await dbProxy?.close()
      await redis?.stop()
    })

    it('should keep acknowledging sends while Redis restarts, recover on its own, and lose nothing after resume', async () => {
      const socks = await Promise.all(users.map((u, i) => TestSocket.open(nodes[i]!.wsUrl, { token: u.token })))
      sockets.push(...socks)
      // what a client knows before the load (it loaded the conversation): its resume starts there
      const baseline = (await via(nodes[0]!, users[0]!).get(`/conversations/${conv}`)).body.lastSeq as number
      const load = sendLoad(
        users.map((user, i) => ({ node: nodes[i]!, user })),
        conv,
      )
      await new Promise((r) => setTimeout(r, 500))
      await redis.kill()
      // Redis down: still ready (the database answers), broker degraded
      await eventually(
        async () => (await Promise.all(nodes.map(readyz))).every((r) => r.status === 200 && r.body.broker === 'degraded'),
        'degraded',
      )
      const ackedBeforeRestart = load.acked.length
      await new Promise((r) => setTimeout(r, 700))
      expect(load.acked.length).toBeGreaterThan(ackedBeforeRestart)
      await redis.start()
      await eventually(async () => (await Promise.all(nodes.map(readyz))).every((r) => r.body.broker === 'ok'), 'broker ok again', 10_000)
      await new Promise((r) => setTimeout(r, 500))
      await load.stop()

      expect(load.other, 'every send was acknowledged').toEqual([])
      const lastSeq = Math.max(...load.acked)
      expect([...load.acked].sort((a, b) => a - b)).toEqual(range(Math.min(...load.acked), lastSeq))
      // every instance asked its sockets to catch up after its subscription came back
      for (const s of socks) expect(s.all('sync').length).toBeGreaterThanOrEqual(1)
      expect((await Promise.all(nodes.map((n) => metric(n, 'jim_broker_publish_errors_total')))).some((v) => v > 0)).toBe(true)

      // the client's side of the contract: resume from the last seq up to which it has everything
      // (an event lost while Redis was down may be the first of the load: no later push fills it)
      const positions = socks.map((s) => {
        const seen = new Set(seqsOf(s, conv))
        let position = baseline
        while (seen.has(position + 1)) position++
        return position
      })
      for (const [i, s] of socks.entries()) s.send({ type: 'resume', positions: { [conv]: positions[i] } })
      for (const s of socks) await s.next('resumed', 10_000)
      for (const [i, s] of socks.entries()) {
        const got = seqsOf(s, conv)
        const first = Math.min(...load.acked)
        const have = [...new Set(got)].filter((seq) => seq >= first).sort((a, b) => a - b)
        expect(have, `socket on instance ${i}: every acknowledged seq`).toEqual(range(first, lastSeq))
        // up to its resume position it got each seq once, live
        const upTo = got.filter((seq) => seq <= positions[i]!)
        expect(new Set(upTo).size, `socket on instance ${i}: nothing twice up to ${positions[i]}`).toBe(upTo.length)
      }

      // pushes flow again without any help
      const after = await via(nodes[1]!, users[1]!).post(`/conversations/${conv}/messages`, {
        clientMsgId: 'after-restart',
        type: 'text',
        content: { text: 'back' },
      })
      for (const s of socks) await eventually(() => seqsOf(s, conv).includes(after.body.message.seq), 'a live push after the restart')
      // presence was re-registered after Redis lost every key
      await eventually(
        async () => {
          const friends = (await via(nodes[2]!, users[0]!).get('/friends')).body.items as Array<{ user: { id: string }; presence?: any }>
          return JSON.stringify(friends).includes('"connected":true')
        },
        'friends shown connected again',
        8000,
      )
    })

    it('should answer 503 with Retry-After while the database is unreachable, and recover without a restart', async () => {
      const [ana, bo] = users
      expect((await readyz(nodes[0]!)).status).toBe(200)
      // a token no instance has cached yet: checking it needs the database
      const fresh = await login(nodes[0]!.url, bo!.username)
      dbProxy.drop()
      for (const node of nodes) {
        const ready = await readyz(node)
        expect(ready.status).toBe(503)
        expect(ready.body).toMatchObject({ status: 'unready', database: 'down' })
        expect(ready.retryAfter).toBeTruthy()
      }
      for (const node of nodes) {
        const send = await via(node, ana!).post(`/conversations/${conv}/messages`, {
          clientMsgId: `db-down-${nodes.indexOf(node)}`,
          type: 'text',
          content: { text: 'x' },
        })
        expect(send.status, JSON.stringify(send.body)).toBe(503)
        expect(send.body.error.code).toBe('service.unavailable')
        expect(send.headers.get('retry-after')).toBeTruthy()
        const list = await via(node, ana!).get('/conversations')
        expect(list.status).toBe(503)
      }
      // an unknown session is not "logged out" (401) while the database is away: clients must not drop their tokens
      const me = await via(nodes[1]!, fresh).get('/me')
      expect(me.status).toBe(503)
      expect(me.headers.get('retry-after')).toBeTruthy()
      // health endpoints and the process stay up
      expect((await fetch(`${nodes[0]!.url}/healthz`)).status).toBe(200)
      dbProxy.restore()
      await eventually(async () => (await Promise.all(nodes.map(readyz))).every((r) => r.status === 200), 'ready again', 10_000)
      for (const node of nodes) {
        const send = await via(node, ana!).post(`/conversations/${conv}/messages`, {
          clientMsgId: `db-back-${nodes.indexOf(node)}`,
          type: 'text',
          content: { text: 'y' },
        })
        expect(send.status).toBe(201)
      }
    })
  })
}
