import { expect, it } from 'vitest'
import { RedisPresence } from '../../src/presence/redis-presence.js'
import { newId } from '../../src/shared/ids.js'
import { createLogger } from '../../src/shared/logger.js'
import { eventually } from '../helpers/eventually.js'
import { FaultProxy } from '../helpers/fault-proxy.js'
import { deleteRedisKeys, freePort } from '../helpers/redis.js'
import { connected, describeEachBroker, logger } from './shared-state-contract.js'

const user = () => `u-${newId()}`

describeEachBroker('Presence contract', (ctx) => {
  it('should report the first and the last socket of a user across instances', async () => {
    const [a, b] = await ctx().presences(2)
    const u = user()
    const other = user()
    expect(await a!.connect(u, 'c1')).toBe(true)
    expect(await b!.connect(u, 'c2')).toBe(false)
    expect(await a!.connect(u, 'c3')).toBe(false)
    for (const p of [a!, b!]) expect([...(await p.connectedAmong([u, other]))]).toEqual([u])
    expect(await a!.disconnect(u, 'c1')).toBe(false)
    expect(await b!.disconnect(u, 'c2')).toBe(false)
    expect(await a!.disconnect(u, 'c3')).toBe(true)
    for (const p of [a!, b!]) expect(await p.connectedAmong([u, other])).toEqual(new Set())
  })

  it('should answer false for a socket it does not know, and an empty set for no users', async () => {
    const [a] = await ctx().presences(1)
    const u = user()
    expect(await a!.disconnect(u, 'nope')).toBe(false)
    await a!.connect(u, 'c1')
    expect(await a!.disconnect(u, 'c1')).toBe(true)
    expect(await a!.disconnect(u, 'c1')).toBe(false)
    expect(await a!.connectedAmong([])).toEqual(new Set())
  })

  it('should report exactly one first and one last when instances race', async () => {
    const presences = await ctx().presences(3)
    const u = user()
    const conns = Array.from({ length: 30 }, (_, i) => ({ p: presences[i % 3]!, id: `c${i}` }))
    const firsts = await Promise.all(conns.map(({ p, id }) => p.connect(u, id)))
    expect(firsts.filter(Boolean)).toHaveLength(1)
    const lasts = await Promise.all(conns.map(({ p, id }) => p.disconnect(u, id)))
    expect(lasts.filter(Boolean)).toHaveLength(1)
    expect(await presences[0]!.connectedAmong([u])).toEqual(new Set())
  })
})

describeEachBroker(
  'Redis presence expiry and recovery',
  (ctx) => {
    const TTL = 600

    it("should drop a dead instance's sockets within 4/3 of the TTL and report its users offline once", async () => {
      const deadClient = ctx().redis()
      await connected(deadClient)
      const dead = new RedisPresence({ client: deadClient, prefix: ctx().prefix, instanceId: newId(), logger, ttlMs: TTL })
      const [live, also] = await ctx().presences(2, { ttlMs: TTL })
      const reported: string[] = []
      for (const p of [live!, also!]) p.onChanged(async (ids) => void reported.push(...ids))
      const gone = user()
      const stays = user()
      await dead.connect(gone, 'd1')
      await dead.connect(stays, 'd2')
      await live!.connect(stays, 'l1')
      expect(await live!.connectedAmong([gone, stays])).toEqual(new Set([gone, stays]))
      // SIGKILL, as far as Redis can tell: the heartbeat stops, nothing is cleaned up
      const killedAt = Date.now()
      deadClient.disconnect()
      await eventually(() => reported.includes(gone), 'the sweep to report the dead instance user', 3000)
      expect(Date.now() - killedAt).toBeLessThan((TTL * 4) / 3 + 500)
      await new Promise((r) => setTimeout(r, TTL))
      expect(reported).toEqual([gone])
      expect(await live!.connectedAmong([gone, stays])).toEqual(new Set([stays]))
      await dead.close()
    })

    it('should re-register its sockets when Redis lost them, and report those users', async () => {
      const [a, b] = await ctx().presences(2, { ttlMs: TTL })
      const changed: string[] = []
      a!.onChanged(async (ids) => void changed.push(...ids))
      const u = user()
      await a!.connect(u, 'c1')
      // what a Redis restart without persistence does to us
      await deleteRedisKeys(ctx().prefix)
      expect(await b!.connectedAmong([u])).toEqual(new Set())
      await eventually(async () => (await b!.connectedAmong([u])).has(u), 're-registration', 3000)
      await eventually(() => changed.includes(u), 'the users announced again')
      expect(await a!.disconnect(u, 'c1')).toBe(true)
    })

    it('should re-register its sockets after a heartbeat whose answer was lost, and ask its sockets to sync', async () => {
      // A's connection to Redis hangs (a failover, a loaded host): its heartbeat lapses and B
      // sweeps its sockets. A's heartbeat reaches Redis late and renews A's key, but A hears
      // nothing of it (the command timed out): Redis now looks as if A had never been gone.
      const proxy = await FaultProxy.start({ port: 6379 })
      const client = ctx().redis(`redis://127.0.0.1:${proxy.port}`)
      await connected(client)
      const lines: string[] = []
      const log = createLogger('debug', { write: (line: string) => void lines.push(line) })
      const a = new RedisPresence({ client, prefix: ctx().prefix, instanceId: newId(), logger: log, ttlMs: TTL })
      let syncs = 0
      a.onReasserted(() => syncs++)
      const [b] = await ctx().presences(1, { ttlMs: TTL })
      const offline: string[] = []
      b!.onChanged(async (ids) => void offline.push(...ids))
      const u = user()
      await a.connect(u, 'c1')
      expect(await b!.connectedAmong([u])).toEqual(new Set([u]))
      const syncsBefore = syncs
      proxy.pause()
      await eventually(() => offline.includes(u), "B to sweep A's sockets", 5000)
      await eventually(() => lines.some((l) => l.includes('"op":"heartbeat"')), "A's heartbeat to time out", 5000)
      proxy.resume()
      await eventually(async () => (await b!.connectedAmong([u])).has(u), "A's socket registered again", 5000)
      // until then events for u went nowhere: A's sockets are asked to `resume`
      expect(syncs).toBeGreaterThan(syncsBefore)
      await a.close()
      await proxy.close()
    })

    it('should remove its sockets at once on a graceful close', async () => {
      const [a, b] = await ctx().presences(2, { ttlMs: 10_000 })
      const changed: string[] = []
      a!.onChanged(async (ids) => void changed.push(...ids))
      const u = user()
      await a!.connect(u, 'c1')
      await a!.close()
      expect(await b!.connectedAmong([u])).toEqual(new Set())
      expect(changed).toEqual([u])
    })

    it('should answer from its own sockets and never throw while Redis is down, then catch up', async () => {
      const client = ctx().redis(`redis://127.0.0.1:${await freePort()}`)
      const p = new RedisPresence({ client, prefix: ctx().prefix, instanceId: newId(), logger, ttlMs: TTL })
      const u = user()
      expect(await p.connect(u, 'c1')).toBe(true)
      expect(await p.connect(u, 'c2')).toBe(false)
      expect(await p.connectedAmong([u, user()])).toEqual(new Set([u]))
      expect(await p.disconnect(u, 'c1')).toBe(false)
      expect(await p.disconnect(u, 'c2')).toBe(true)
      await p.close()
    })
  },
  { drivers: ['redis'] },
)
