import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import {
  clusterDialects,
  clusterServicesAvailable,
  range,
  sendLoad,
  seqsOf,
  startCluster,
  via,
  type TestCluster,
} from '../helpers/cluster.js'
import { eventually } from '../helpers/eventually.js'
import { TestRedisCluster, redisClusterAvailable } from '../helpers/redis-cluster.js'
import { befriend } from '../helpers/social.js'
import type { TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

for (const dialect of clusterDialects()) {
  describe(`${dialect}: three instances on a Redis Cluster that loses a master`, async () => {
    if (!(await clusterServicesAvailable(dialect)) || !(await redisClusterAvailable())) return
    let redis: TestRedisCluster
    let c: TestCluster
    let nodes: TestApp[]
    let conv = ''
    const devices: Array<{ name: string; sock: TestSocket }> = []

    beforeAll(async () => {
      redis = await TestRedisCluster.start()
      c = await startCluster({
        dialect,
        redisUrl: redis.url,
        overrides: { 'messages.sendPerMinute': 100_000, 'redis.presenceTtlSeconds': 3 },
      })
      nodes = c.nodes
      const people: Record<string, TestUser> = {}
      for (const name of ['ana', 'bo', 'cy']) people[name] = await createUser(nodes[0]!.url, name)
      await befriend(people.ana!, people.bo!)
      await befriend(people.ana!, people.cy!)
      const group = await via(nodes[1]!, people.ana!).post('/groups', { name: 'failover', memberIds: [people.bo!.id, people.cy!.id] })
      expect(group.status, JSON.stringify(group.body)).toBe(201)
      conv = group.body.group.conversationId
      // every member with a device on two instances
      for (const [who, on] of [
        ['ana', [0, 1]],
        ['bo', [1, 2]],
        ['cy', [2, 0]],
      ] as const) {
        for (const node of on) {
          const session = await login(nodes[node]!.url, people[who]!.username)
          devices.push({ name: `${who}@${node}`, sock: await TestSocket.open(nodes[node]!.wsUrl, { token: session.token }) })
        }
      }
      Object.assign(devices, { people })
    })
    afterAll(async () => {
      for (const d of devices) d.sock.close()
      await c?.close()
      await redis?.stop()
    })

    it('should lose no acknowledged message when a master dies and its replica takes over under load; clients catch up by resume', async () => {
      const { people } = devices as unknown as { people: Record<string, TestUser> }
      const baseline = (await via(nodes[0]!, people.ana!).get(`/conversations/${conv}`)).body.lastSeq as number
      const load = sendLoad(
        [
          { node: nodes[0]!, user: people.ana! },
          { node: nodes[1]!, user: people.bo! },
          { node: nodes[2]!, user: people.cy! },
        ],
        conv,
      )
      await eventually(() => load.acked.length >= 10, 'ten messages acknowledged before the failure')
      // the master holding the presence registry (the slot every route lookup reads): the harshest one to lose
      await redis.kill(await redis.masterOf(`${c.prefix}{presence}:instances`))
      await redis.settled()
      const ackedAtFailover = load.acked.length
      await eventually(() => load.acked.length >= ackedAtFailover + 20, 'twenty more acknowledged after the failover', 15_000)
      await load.stop()

      const lastSeq = Math.max(...load.acked)
      const first = Math.min(...load.acked)
      // every instance is healthy again on the promoted replica
      await eventually(
        async () => {
          const ready = await Promise.all(nodes.map((n) => fetch(`${n.url}/readyz`).then((r) => r.json() as Promise<{ broker: string }>)))
          return ready.every((r) => r.broker === 'ok')
        },
        'every broker ok again',
        15_000,
      )
      // the client's side of the contract: resume from the last seq up to which it has everything
      const positionOf = (sock: TestSocket) => {
        const seen = new Set(seqsOf(sock, conv))
        let position = baseline
        while (seen.has(position + 1)) position++
        return position
      }
      const positions = devices.map(({ sock }) => positionOf(sock))
      // a `sync` that arrives from here on asks for another resume (this one covers the earlier ones)
      const answered = new Map<TestSocket, number>()
      for (const { sock } of devices) answered.set(sock, sock.all('sync').length)
      for (const [i, { sock }] of devices.entries()) sock.send({ type: 'resume', positions: { [conv]: positions[i] } })
      for (const { sock } of devices) await sock.next('resumed', 10_000)
      for (const [i, { name, sock }] of devices.entries()) {
        const got = seqsOf(sock, conv)
        const have = [...new Set(got)].filter((seq) => seq >= first).sort((a, b) => a - b)
        expect(have, `${name}: every acknowledged seq`).toEqual(range(first, Math.max(lastSeq, have.at(-1) ?? lastSeq)))
        const upTo = got.filter((seq) => seq <= positions[i]!)
        expect(new Set(upTo).size, `${name}: nothing twice up to ${positions[i]}`).toBe(upTo.length)
      }
      // and live pushes flow again without any help
      const after = await via(nodes[2]!, people.cy!).post(`/conversations/${conv}/messages`, {
        clientMsgId: 'after-failover',
        type: 'text',
        content: { text: 'back' },
      })
      expect(after.status).toBe(201)
      // a subscription the failover broke is found by the liveness probe (within ~8 s) and the
      // instance says `sync`: a client answers with `resume`, as every client must
      const answerSyncs = () => {
        for (const { sock } of devices) {
          const syncs = sock.all('sync').length
          if (syncs <= (answered.get(sock) ?? 0)) continue
          answered.set(sock, syncs)
          sock.send({ type: 'resume', positions: { [conv]: positionOf(sock) } })
        }
      }
      for (const { name, sock } of devices) {
        await eventually(
          () => {
            answerSyncs()
            return seqsOf(sock, conv).includes(after.body.message.seq)
          },
          `${name}: the message sent after the failover`,
          20_000,
        )
      }
    })
  })
}
