import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, login, STRONG_PASSWORD, type TestUser } from '../helpers/api-client.js'
import { captchaSolver } from '../helpers/captcha-solver.js'
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
import { TestRedisCluster, redisClusterAvailable } from '../helpers/redis-cluster.js'
import { befriend, directConversation } from '../helpers/social.js'
import type { TestApp } from '../helpers/test-app.js'
import { TestSocket, type Frame } from '../helpers/ws-client.js'

/** A signed-in device: its own session, its socket on one instance. */
interface Device {
  user: TestUser
  sock: TestSocket
  node: number
}

let sent = 0
async function send(node: TestApp, user: TestUser, conversationId: string, text: string): Promise<number> {
  const res = await via(node, user).post(`/conversations/${conversationId}/messages`, {
    clientMsgId: `c${++sent}-${Date.now()}`,
    type: 'text',
    content: { text },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.message.seq
}

const framesOf = (d: Device, type: string, match: (f: Frame) => boolean = () => true) => d.sock.all(type).filter(match)

// every behaviour on one Redis, and on a Redis Cluster (3 masters, 3 replicas, sharded pub/sub)
for (const [dialect, redis] of clusterDialects().flatMap((d) => [[d, 'one Redis'] as const, [d, 'a Redis Cluster'] as const])) {
  describe(`${dialect}: three instances on one database and ${redis}`, async () => {
    if (!(await clusterServicesAvailable(dialect))) return
    if (redis === 'a Redis Cluster' && !(await redisClusterAvailable())) return
    let redisCluster: TestRedisCluster | null = null
    let c: TestCluster
    let nodes: TestApp[]
    const sockets: TestSocket[] = []
    // four users, two devices each, spread so every pair of users shares no instance layout
    const people: Record<'ana' | 'bo' | 'cy' | 'dee', { user: TestUser; devices: Device[] }> = {} as never
    const layout = { ana: [0, 1], bo: [1, 2], cy: [2, 0], dee: [0, 2] } as const

    async function device(user: TestUser, node: number): Promise<Device> {
      const session = await login(nodes[node]!.url, user.username)
      const sock = await TestSocket.open(nodes[node]!.wsUrl, { token: session.token })
      sockets.push(sock)
      return { user: session, sock, node }
    }

    const all = () => Object.values(people).flatMap((p) => p.devices)
    const devicesOf = (...names: Array<keyof typeof people>) => names.flatMap((n) => people[n].devices)

    beforeAll(async () => {
      if (redis === 'a Redis Cluster') redisCluster = await TestRedisCluster.start()
      c = await startCluster({
        dialect,
        ...(redisCluster ? { redisUrl: redisCluster.url } : {}),
        overrides: { 'messages.sendPerMinute': 100_000, 'world.sendPerMinute': 100_000, 'world.globalSendPerSecond': 100_000 },
      })
      nodes = c.nodes
      for (const [name, on] of Object.entries(layout) as Array<[keyof typeof people, readonly number[]]>) {
        const user = await createUser(nodes[on[0]!]!.url, name)
        people[name] = { user, devices: await Promise.all(on.map((n) => device(user, n))) }
      }
      const { ana, bo, cy } = people
      await befriend(ana.user, bo.user)
      await befriend(ana.user, cy.user)
    })
    afterAll(async () => {
      for (const s of sockets) s.close()
      await c?.close()
      await redisCluster?.stop()
    })

    it('should deliver direct messages sent through every instance to both users devices once, in order, and to nobody else', async () => {
      const { ana, bo } = people
      const conv = await directConversation(ana.user, bo.user)
      for (let i = 0; i < 12; i++) await send(nodes[i % 3]!, i % 2 ? bo.user : ana.user, conv, `direct ${i}`)
      const receivers = devicesOf('ana', 'bo')
      await eventually(() => receivers.every((d) => seqsOf(d.sock, conv).length >= 12), 'every device of ana and bo to get 12')
      await new Promise((r) => setTimeout(r, 200))
      for (const d of receivers) expectExactlyOnceInOrder(d.sock, conv, range(1, 12), `${d.user.username}@node${d.node}`)
      for (const d of devicesOf('cy', 'dee')) expect(seqsOf(d.sock, conv)).toEqual([])
    })

    it('should deliver group messages and group events to members on every instance, and stop at a removal', async () => {
      const { ana, bo, cy } = people
      const created = await via(nodes[2]!, ana.user).post('/groups', { name: 'cluster crew', memberIds: [bo.user.id, cy.user.id] })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const { id: groupId, conversationId: conv } = created.body.group
      const members = devicesOf('ana', 'bo', 'cy')
      const joined = (d: Device) => framesOf(d, 'group.member_joined', (f) => f.groupId === groupId)
      await eventually(() => members.every((d) => joined(d).length >= 1), 'group.member_joined on every member device')

      for (let i = 0; i < 9; i++) await send(nodes[i % 3]!, [ana, bo, cy][i % 3]!.user, conv, `group ${i}`)
      const { lastSeq } = (await via(nodes[0]!, ana.user).get(`/conversations/${conv}`)).body
      const firstSeq = (d: Device) => seqsOf(d.sock, conv)[0] ?? 1
      await eventually(() => members.every((d) => seqsOf(d.sock, conv).at(-1) === lastSeq), 'every member device to reach the last seq')

      // cy is removed through instance 0; cy's devices (instances 2 and 0) get the notice and nothing after
      const removed = await via(nodes[0]!, ana.user).delete(`/groups/${groupId}/members/${cy.user.id}`)
      expect(removed.status, JSON.stringify(removed.body)).toBe(204)
      const left = (d: Device) => framesOf(d, 'group.member_left', (f) => f.groupId === groupId && f.userId === cy.user.id)
      await eventually(() => members.every((d) => left(d).length >= 1), 'group.member_left everywhere')
      const removalSeq = lastSeq + 1
      const after = await send(nodes[1]!, bo.user, conv, 'after cy left')
      await eventually(() => devicesOf('ana', 'bo').every((d) => seqsOf(d.sock, conv).at(-1) === after), 'the message after the removal')
      await new Promise((r) => setTimeout(r, 200))

      for (const d of devicesOf('ana', 'bo')) {
        expectExactlyOnceInOrder(d.sock, conv, range(firstSeq(d), after), `${d.user.username}@node${d.node}`)
        expect(joined(d)).toHaveLength(1)
        expect(left(d)).toHaveLength(1)
      }
      for (const d of devicesOf('cy')) {
        expectExactlyOnceInOrder(d.sock, conv, range(firstSeq(d), removalSeq), `cy@node${d.node}`)
        expect(joined(d)).toHaveLength(1)
        expect(left(d)).toHaveLength(1)
      }
      for (const d of devicesOf('dee')) {
        expect(seqsOf(d.sock, conv)).toEqual([])
        expect(joined(d)).toHaveLength(0)
      }
    })

    it('should apply a block, a group mute, mute-all and a removal to the very next send on every instance', async () => {
      const eve = await createUser(nodes[0]!.url, 'eve')
      const fay = await createUser(nodes[0]!.url, 'fay')
      await befriend(eve, fay)
      const direct = await directConversation(eve, fay)
      const g = await via(nodes[0]!, eve).post('/groups', { name: 'facts', memberIds: [fay.id] })
      const { id: groupId, conversationId: gconv } = g.body.group
      const refused = async (node: number, conv: string, code: string) => {
        const res = await via(nodes[node]!, fay).post(`/conversations/${conv}/messages`, {
          clientMsgId: `r${++sent}`,
          type: 'text',
          content: { text: 'still there?' },
        })
        expect(res.body.error?.code, `node ${node}: ${JSON.stringify(res.body)}`).toBe(code)
      }
      // each instance caches fay's facts with a successful send first
      for (const n of [1, 2]) {
        await send(nodes[n]!, fay, direct, `direct via ${n}`)
        await send(nodes[n]!, fay, gconv, `group via ${n}`)
      }
      const until = new Date(Date.now() + 60_000).toISOString()
      expect((await via(nodes[0]!, eve).patch(`/groups/${groupId}/members/${fay.id}`, { mutedUntil: until })).status).toBe(200)
      for (const n of [1, 2]) await refused(n, gconv, 'message.muted')
      expect((await via(nodes[0]!, eve).patch(`/groups/${groupId}/members/${fay.id}`, { mutedUntil: null })).status).toBe(200)
      for (const n of [1, 2]) await send(nodes[n]!, fay, gconv, `unmuted via ${n}`)
      expect((await via(nodes[0]!, eve).patch(`/groups/${groupId}`, { muteAll: true })).status).toBe(200)
      for (const n of [1, 2]) await refused(n, gconv, 'message.group_muted')
      expect((await via(nodes[0]!, eve).patch(`/groups/${groupId}`, { muteAll: false })).status).toBe(200)
      for (const n of [1, 2]) await send(nodes[n]!, fay, gconv, `open again via ${n}`)
      expect((await via(nodes[0]!, eve).delete(`/groups/${groupId}/members/${fay.id}`)).status).toBe(204)
      for (const n of [1, 2]) await refused(n, gconv, 'conversation.not_found')
      expect((await via(nodes[0]!, eve).put(`/blocks/${fay.id}`)).status).toBe(204)
      for (const n of [1, 2]) await refused(n, direct, 'message.blocked')
    })

    it('should deliver world messages to every device of every user, whether or not they opened it (members from registration)', async () => {
      const { ana, bo, cy } = people
      let conv = ''
      for (const [i, p] of [ana, bo, cy].entries()) {
        const res = await via(nodes[i]!, p.user).get('/conversations/world')
        expect(res.status).toBe(200)
        conv = res.body.id
      }
      const start = (await via(nodes[0]!, ana.user).get(`/conversations/${conv}`)).body.lastSeq as number
      // dee never asked for the world: a member all the same (from registration)
      const readers = devicesOf('ana', 'bo', 'cy', 'dee')
      // a client that opened the world knows where it is: without a position, concurrent sends through
      // different instances may reach a socket out of order and the earlier one is not pushed
      for (const d of readers) d.sock.send({ type: 'resume', positions: { [conv]: start } })
      for (const d of readers) await d.sock.next('resumed')
      const seqs = await Promise.all(range(0, 8).map((i) => send(nodes[i % 3]!, [ana, bo, cy][i % 3]!.user, conv, `world ${i}`)))
      expect([...seqs].sort((a, b) => a - b)).toEqual(range(start + 1, start + 9))
      await eventually(() => readers.every((d) => seqsOf(d.sock, conv).at(-1) === start + 9), 'world messages everywhere')
      await new Promise((r) => setTimeout(r, 200))
      for (const d of readers) expectExactlyOnceInOrder(d.sock, conv, range(start + 1, start + 9), `${d.user.username}@node${d.node}`)
    })

    it('should deliver friend events to every device of the two users only', async () => {
      const { ana, dee } = people
      const req = await via(nodes[1]!, dee.user).post('/friend-requests', { userId: ana.user.id })
      expect(req.status).toBe(201)
      const requestId = req.body.request.id
      const incoming = (d: Device) => framesOf(d, 'friend.request', (f) => f.request.id === requestId)
      await eventually(() => devicesOf('ana').every((d) => incoming(d).length === 1), 'friend.request on both of ana devices')
      const accepted = await via(nodes[2]!, ana.user).post(`/friend-requests/${requestId}/accept`)
      expect(accepted.status).toBe(200)
      const updated = (d: Device) => framesOf(d, 'friend.request_updated', (f) => f.request.id === requestId)
      await eventually(() => devicesOf('ana', 'dee').every((d) => updated(d).length === 1), 'friend.request_updated on both sides')
      await new Promise((r) => setTimeout(r, 200))
      for (const d of devicesOf('ana')) expect(incoming(d)).toHaveLength(1)
      for (const d of devicesOf('ana', 'dee')) expect(updated(d)).toHaveLength(1)
      for (const d of devicesOf('bo', 'cy')) expect(framesOf(d, 'friend.request_updated', (f) => f.request.id === requestId)).toEqual([])
      for (const d of devicesOf('bo', 'cy')) expect(framesOf(d, 'friend.request', (f) => f.request.id === requestId)).toEqual([])
    })

    it('should tell friends on every instance when a user comes online and goes offline, once each', async () => {
      const { ana } = people
      const eve = await createUser(nodes[1]!.url, 'eve')
      await befriend(eve, ana.user)
      const about = (d: Device, connected: boolean) => framesOf(d, 'presence', (f) => f.userId === eve.id && f.connected === connected)
      const e2 = await TestSocket.open(nodes[2]!.wsUrl, { token: eve.token })
      await eventually(() => devicesOf('ana').every((d) => about(d, true).length === 1), 'online on both of ana devices').catch((e) => {
        console.log(JSON.stringify(devicesOf('ana').map((d) => framesOf(d, 'presence'))))
        throw e
      })
      const second = await login(nodes[0]!.url, eve.username)
      const e0 = await TestSocket.open(nodes[0]!.wsUrl, { token: second.token })
      const friends = await via(nodes[1]!, ana.user).get('/friends')
      expect(JSON.stringify(friends.body)).toContain(eve.id)
      e2.close()
      await e2.closed
      await new Promise((r) => setTimeout(r, 300))
      // a second device coming and the first going change nothing anyone sees
      for (const d of devicesOf('ana')) expect([about(d, true).length, about(d, false).length]).toEqual([1, 0])
      e0.close()
      await eventually(() => devicesOf('ana').every((d) => about(d, false).length === 1), 'offline on both of ana devices')
      await new Promise((r) => setTimeout(r, 200))
      for (const d of devicesOf('ana')) expect([about(d, true).length, about(d, false).length]).toEqual([1, 1])
      for (const d of devicesOf('bo', 'cy')) expect(framesOf(d, 'presence', (f) => f.userId === eve.id)).toEqual([])
    })

    it('should close a revoked session on another instance at once and refuse its token everywhere', async () => {
      const { bo } = people
      const victim = await login(nodes[2]!.url, bo.user.username)
      const vSock = await TestSocket.open(nodes[2]!.wsUrl, { token: victim.token })
      sockets.push(vSock)
      // warm the session caches of every instance with the token
      for (const node of nodes) expect((await via(node, victim).get('/me')).status).toBe(200)
      const res = await via(nodes[0]!, bo.user).delete(`/me/sessions/${victim.sessionId}`)
      expect(res.status).toBe(204)
      expect((await vSock.next('session.revoked')).type).toBe('session.revoked')
      expect((await vSock.closed).code).toBe(4001)
      await eventually(
        async () => (await Promise.all(nodes.map((n) => via(n, victim).get('/me')))).every((r) => r.status === 401),
        'every instance to refuse the revoked token',
        1000,
      )
      // bo's other sessions keep their sockets
      await new Promise((r) => setTimeout(r, 100))
      for (const d of devicesOf('bo')) expect(d.sock.ws.readyState).toBe(d.sock.ws.OPEN)
    })

    it('should count failed logins across instances and accept a captcha issued by another instance, once', async () => {
      const victim = await createUser(nodes[0]!.url, 'victim')
      const anon = (node: TestApp) => new ApiClient(node.url)
      // three failures, one through each instance: together they reach captcha.afterFailures (3)
      for (const node of nodes) {
        const res = await anon(node).post('/auth/login', { username: victim.username, password: 'not-the-password-1' })
        expect(res.status).toBe(401)
      }
      const blocked = await anon(nodes[0]!).post('/auth/login', { username: victim.username, password: STRONG_PASSWORD })
      expect(blocked.body.error?.code).toBe('auth.captcha_required')
      // fetched from instance 1, answered on instance 2
      const captcha = await captchaSolver(nodes[1]!.app, nodes[1]!.url)()
      const ok = await anon(nodes[2]!).post('/auth/login', { username: victim.username, password: STRONG_PASSWORD, captcha })
      expect(ok.status, JSON.stringify(ok.body)).toBe(200)
      // single use cluster-wide: once required again, the same answer is refused on another instance
      for (const node of nodes) await anon(node).post('/auth/login', { username: victim.username, password: 'not-the-password-2' })
      const reused = await anon(nodes[0]!).post('/auth/login', { username: victim.username, password: STRONG_PASSWORD, captcha })
      expect(reused.body.error?.code).toBe('auth.captcha_invalid')
    })

    it('should keep seq gapless and unique under concurrent sends through all three instances', async () => {
      const { ana, bo, cy } = people
      const group = await via(nodes[1]!, ana.user).post('/groups', { name: 'race', memberIds: [bo.user.id, cy.user.id] })
      const conv = group.body.group.conversationId as string
      const before = (await via(nodes[0]!, ana.user).get(`/conversations/${conv}`)).body.lastSeq as number
      const senders = [ana, bo, cy]
      const seqs = await Promise.all(range(0, 59).map((i) => send(nodes[i % 3]!, senders[Math.floor(i / 3) % 3]!.user, conv, `race ${i}`)))
      expect(new Set(seqs).size).toBe(60)
      expect([...seqs].sort((a, b) => a - b)).toEqual(range(before + 1, before + 60))
      const history = await via(nodes[2]!, bo.user).get(`/conversations/${conv}/messages?after=${before}&limit=200`)
      expect(history.body.items.map((m: { seq: number }) => m.seq)).toEqual(range(before + 1, before + 60))
      const members = devicesOf('ana', 'bo', 'cy')
      await eventually(() => members.every((d) => seqsOf(d.sock, conv).at(-1) === before + 60), 'all 60 on every member device')
      await new Promise((r) => setTimeout(r, 200))
      for (const d of members) {
        const got = seqsOf(d.sock, conv)
        expect(got.slice(got.indexOf(before + 1)), `${d.user.username}@node${d.node}`).toEqual(range(before + 1, before + 60))
        expect(new Set(got).size).toBe(got.length)
      }
      expect(all().length).toBe(8)
    })

    // last: it stops instance 2
    it('should tell friends at once when a user was only on an instance that is stopped gracefully', async () => {
      const { ana } = people
      const fay = await createUser(nodes[0]!.url, 'fay')
      await befriend(fay, ana.user)
      await TestSocket.open(nodes[2]!.wsUrl, { token: fay.token })
      const about = (d: Device, connected: boolean) => framesOf(d, 'presence', (f) => f.userId === fay.id && f.connected === connected)
      const watchers = devicesOf('ana').filter((d) => d.node !== 2)
      await eventually(() => watchers.every((d) => about(d, true).length === 1), 'fay online')
      await nodes[2]!.close()
      // no waiting for the heartbeat to expire: the stopping instance says so itself
      await eventually(() => watchers.every((d) => about(d, false).length === 1), 'fay offline', 2000)
    })
  })
}
