import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Broker } from '../../src/domain/broker.js'
import type { BrokerMetrics, RedisBroker } from '../../src/broker/redis-broker.js'
import type { EventRouter } from '../../src/broker/instance-router.js'
import type { ClusterEvent, UserEvent } from '../../src/domain/events.js'
import { eventually } from '../helpers/eventually.js'
import { FaultProxy } from '../helpers/fault-proxy.js'
import { OwnRedisServer, freePort } from '../helpers/redis.js'
import { describeEachBroker } from './shared-state-contract.js'

const push = (n: number, from = 'a'): ClusterEvent => ({
  kind: 'push',
  route: { users: [`u-${from}`] },
  event: { type: 'test', n, from } as unknown as UserEvent,
})

function record(broker: Broker): ClusterEvent[] {
  const got: ClusterEvent[] = []
  broker.onEvent((e) => got.push(e))
  return got
}

const numbers = (events: ClusterEvent[], from?: string) =>
  events
    .filter((e) => e.kind === 'push' && (from === undefined || (e.event as unknown as { from?: string }).from === from))
    .map((e) => (e.kind === 'push' ? (e.event as unknown as { n: number }).n : -1))

function countingMetrics() {
  const m = { publishFailed: 0, received: 0, resynced: [] as string[] }
  const metrics: BrokerMetrics = {
    publishFailed: () => m.publishFailed++,
    received: () => m.received++,
    resynced: (reason) => m.resynced.push(reason),
  }
  return { m, metrics }
}

describeEachBroker('Broker contract', (ctx) => {
  it('should deliver a published event to the handler exactly once', async () => {
    const [broker] = await ctx().brokers(1)
    const got = record(broker!)
    await broker!.publish(push(1))
    await eventually(() => got.length === 1, 'the event')
    await new Promise((r) => setTimeout(r, 150))
    expect(got).toEqual([push(1)])
  })

  it('should keep the publish order of one publisher', async () => {
    const [broker] = await ctx().brokers(1)
    const got = record(broker!)
    await Promise.all(Array.from({ length: 200 }, (_, i) => broker!.publish(push(i))))
    await eventually(() => got.length === 200, '200 events')
    expect(numbers(got)).toEqual(Array.from({ length: 200 }, (_, i) => i))
  })

  it('should report ok while its connections work, and never throw from publish after close', async () => {
    const [broker] = await ctx().brokers(1)
    expect(broker!.health()).toBe('ok')
    await broker!.close()
    await expect(broker!.publish(push(1))).resolves.toBeUndefined()
  })
})

describeEachBroker(
  'Redis broker across instances and faults',
  (ctx) => {
    it('should deliver every event to every instance once, in each publisher order', async () => {
      const brokers = await ctx().brokers(3)
      const got = brokers.map(record)
      await Promise.all(brokers.flatMap((b, i) => Array.from({ length: 100 }, (_, n) => b.publish(push(n, `p${i}`)))))
      for (const events of got) {
        await eventually(() => events.length === 300, '300 events on every instance')
        for (let p = 0; p < 3; p++) expect(numbers(events, `p${p}`)).toEqual(Array.from({ length: 100 }, (_, n) => n))
      }
      await new Promise((r) => setTimeout(r, 150))
      expect(got.map((g) => g.length)).toEqual([300, 300, 300])
    })

    it('should send a routed event only to the instances its router names, once each, in publish order', async () => {
      // only a publishes here: its router is the one that counts
      let route: EventRouter = async () => 'all'
      const brokers = (await ctx().brokers(3, { router: (event) => route(event) })) as RedisBroker[]
      const [a, b, c] = brokers as [RedisBroker, RedisBroker, RedisBroker]
      const got = brokers.map(record)
      // a routes its events to b only (and to itself, which it serves in-process)
      route = async () => [b.instanceId, a.instanceId]
      await Promise.all(Array.from({ length: 50 }, (_, n) => a.publish(push(n, 'routed'))))
      await eventually(() => numbers(got[1]!, 'routed').length === 50, '50 routed events on b')
      await a.publish(push(99, 'fence'))
      // c, named by nobody, got none; a its own once (in-process)
      await eventually(() => numbers(got[1]!, 'fence').length === 1, 'the last one on b')
      await new Promise((r) => setTimeout(r, 150))
      expect(numbers(got[1]!, 'routed')).toEqual(Array.from({ length: 50 }, (_, n) => n))
      expect(numbers(got[0]!, 'routed')).toHaveLength(50)
      expect(got[2]).toEqual([])
      // a router that names every instance ('all') still broadcasts
      route = async () => 'all'
      await a.publish(push(1, 'all'))
      await eventually(() => got.every((g) => numbers(g, 'all').length === 1), 'the broadcast everywhere')
      void c
    })

    it('should keep the publish order when earlier events take longer to route than later ones', async () => {
      // publishes are pipelined (no waiting for one PUBLISH's reply before the next): the order must still hold
      let route: EventRouter = async () => 'all'
      const brokers = (await ctx().brokers(2, { router: (event) => route(event) })) as RedisBroker[]
      const [a, b] = brokers as [RedisBroker, RedisBroker]
      const got = record(b)
      route = async (event) => {
        const n = event.kind === 'push' ? (event.event as unknown as { n: number }).n : 0
        // the first events' lookups answer last
        await new Promise((r) => setTimeout(r, (30 - n) * 3))
        return n % 2 === 0 ? [b.instanceId] : 'all'
      }
      await Promise.all(Array.from({ length: 30 }, (_, n) => a.publish(push(n, 'slow-first'))))
      await eventually(() => numbers(got, 'slow-first').length === 30, '30 events on b')
      expect(numbers(got, 'slow-first')).toEqual(Array.from({ length: 30 }, (_, n) => n))
    })

    it('should keep clusters with different prefixes apart', async () => {
      const [a] = await ctx().brokers(1)
      const [other] = await ctx().brokers(1, { prefix: `${ctx().prefix}other:` })
      const gotA = record(a!)
      const gotOther = record(other!)
      await a!.publish(push(1))
      await other!.publish(push(2))
      await eventually(() => gotA.length === 1 && gotOther.length === 1, 'one event each')
      await new Promise((r) => setTimeout(r, 100))
      expect(numbers(gotA)).toEqual([1])
      expect(numbers(gotOther)).toEqual([2])
    })

    it('should resolve publish, count the failure and still deliver locally when Redis is down', async () => {
      const dead = `redis://127.0.0.1:${await freePort()}`
      const { m, metrics } = countingMetrics()
      const [broker] = await ctx().brokers(1, { url: dead, metrics, waitReady: false })
      const got = record(broker!)
      await expect(broker!.publish(push(7))).resolves.toBeUndefined()
      await eventually(() => got.length === 1, 'the local delivery')
      expect(m.publishFailed).toBeGreaterThanOrEqual(1)
      expect(broker!.health()).toBe('degraded')
    })

    describe('with its own redis-server', () => {
      let server: OwnRedisServer
      beforeAll(async () => {
        server = await OwnRedisServer.start()
      })
      afterAll(async () => {
        await server?.stop()
      })

      it('should resubscribe on its own after a Redis restart, tell onResubscribed, and deliver again', async () => {
        const brokers = await ctx().brokers(2, { url: server.url, probeIntervalMs: 300, probeTimeoutMs: 300 })
        const resubscribed = [0, 0]
        brokers.forEach((b, i) => b.onResubscribed(() => resubscribed[i]!++))
        const got = brokers.map(record)
        await server.kill()
        await eventually(() => brokers.every((b) => b.health() === 'degraded'), 'degraded while Redis is down')
        await brokers[0]!.publish(push(1, 'down'))
        await server.start()
        await eventually(() => resubscribed.every((n) => n >= 1), 'onResubscribed on both', 8000)
        await eventually(() => brokers.every((b) => b.health() === 'ok'), 'ok again', 5000)
        await brokers[0]!.publish(push(2, 'up'))
        await eventually(() => numbers(got[1]!, 'up').length === 1, 'delivery after the restart')
        // during the outage only the publisher's own instance got it
        expect(numbers(got[0]!, 'down')).toEqual([1])
        expect(numbers(got[1]!, 'down')).toEqual([])
      })

      it('should notice a silently dead subscription with its probe, report degraded, and resubscribe', async () => {
        const proxy = await FaultProxy.start({ port: server.port })
        try {
          const { m, metrics } = countingMetrics()
          const [broker] = await ctx().brokers(1, {
            url: `redis://127.0.0.1:${proxy.port}`,
            probeIntervalMs: 200,
            probeTimeoutMs: 300,
            metrics,
          })
          let resubscribed = 0
          broker!.onResubscribed(() => resubscribed++)
          await eventually(() => broker!.health() === 'ok', 'ok through the proxy')
          // connections stay open, nothing flows: no error, no close, just silence
          proxy.pause()
          await eventually(() => broker!.health() === 'degraded', 'degraded within interval + timeout', 3000)
          proxy.resume()
          await eventually(() => broker!.health() === 'ok' && resubscribed >= 1, 'resubscribed and ok', 8000)
          expect(m.resynced).toContain('probe')
        } finally {
          await proxy.close()
        }
      })

      it("should make an instance sync when a routed event to it was lost, told by the publisher's next ping", async () => {
        const proxy = await FaultProxy.start({ port: server.port })
        try {
          const heard = countingMetrics()
          const [listener] = (await ctx().brokers(1, { url: server.url, metrics: heard.metrics })) as RedisBroker[]
          const { m, metrics } = countingMetrics()
          const [publisher] = (await ctx().brokers(1, {
            url: `redis://127.0.0.1:${proxy.port}`,
            probeIntervalMs: 200,
            metrics,
            router: async () => [listener!.instanceId],
          })) as RedisBroker[]
          let synced = 0
          listener!.onResubscribed(() => synced++)
          const got = record(listener!)
          await publisher!.publish(push(1, 'lost'))
          await eventually(() => numbers(got, 'lost').length === 1, 'first routed event')
          proxy.drop()
          await eventually(() => m.publishFailed > 0 || publisher!.health() === 'degraded', 'publisher failing')
          await publisher!.publish(push(2, 'lost'))
          proxy.restore()
          // no further routed event: only the pings can tell the listener
          await eventually(() => synced >= 1, 'the listener to sync after the lost routed event', 8000)
          expect(heard.m.resynced).toContain('gap')
          expect(numbers(got, 'lost')).toEqual([1])
        } finally {
          await proxy.close()
        }
      })

      it("should make every instance sync when it sees a gap in another instance's publish sequence", async () => {
        const proxy = await FaultProxy.start({ port: server.port })
        try {
          const heard = countingMetrics()
          const [listener] = await ctx().brokers(1, { url: server.url, metrics: heard.metrics })
          const { m, metrics } = countingMetrics()
          // the publisher's PUBLISH connection goes through the proxy; its subscription does not matter here
          const [publisher] = await ctx().brokers(1, { url: `redis://127.0.0.1:${proxy.port}`, probeIntervalMs: 200, metrics })
          let synced = 0
          listener!.onResubscribed(() => synced++)
          const got = record(listener!)
          await publisher!.publish(push(1, 'gap'))
          await eventually(() => numbers(got, 'gap').length === 1, 'first event')
          proxy.drop()
          await eventually(() => m.publishFailed > 0 || publisher!.health() === 'degraded', 'publisher failing')
          await publisher!.publish(push(2, 'gap'))
          proxy.restore()
          await publisher!.publish(push(3, 'gap'))
          await eventually(() => synced >= 1, 'the listener to sync after the gap', 8000)
          expect(heard.m.resynced).toContain('gap')
          expect(numbers(got, 'gap')).not.toContain(2)
        } finally {
          await proxy.close()
        }
      })
    })
  },
  { drivers: ['redis'] },
)
