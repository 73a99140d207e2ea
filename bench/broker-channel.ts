/**
 * `npx tsx bench/broker-channel.ts [--instances 1,3,6] [--events 20000] [--rate 0]`
 *
 * Measures the single Redis cluster channel on its own (no HTTP, no database): N RedisBroker
 * instances in one process on one Redis, one of them publishing `events` message-sized events
 * (about 600 bytes of JSON), every instance receiving all of them. Prints events/s published,
 * deliveries/s (events x receivers) and publish->receive lag p50/p99. `--rate` caps publishes
 * per second (0 = as fast as publish confirms allow, 64 in flight). Uses the Redis on
 * 127.0.0.1:6379 (REDIS_URL overrides) under a throwaway prefix, deleted afterwards.
 */
import { parseArgs } from 'node:util'
import { RedisBroker } from '../src/broker/redis-broker.js'
import type { ClusterEvent } from '../src/domain/events.js'
import { createLogger } from '../src/shared/logger.js'
import { closeRedisClient, createRedisClient } from '../src/shared/redis-client.js'
import { deleteRedisKeys, uniqueRedisPrefix } from '../test/helpers/redis.js'

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '1,3,6' },
    events: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '0' },
  },
})
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const logger = createLogger('warn')

const message = {
  id: '01J0000000000000000000000',
  conversationId: '01J0000000000000000000001',
  seq: 0,
  senderId: '01J0000000000000000000002',
  clientMsgId: 'c-123',
  type: 'text',
  content: { text: 'x'.repeat(300) },
  createdAt: new Date().toISOString(),
  editedAt: null,
  recalledAt: null,
  modSeq: 0,
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

async function run(instances: number, events: number, rate: number) {
  const prefix = uniqueRedisPrefix()
  const lags: number[] = []
  const received = new Array<number>(instances).fill(0)
  const brokers: RedisBroker[] = []
  const clients = []
  for (let i = 0; i < instances; i++) {
    const publisher = createRedisClient(url, { name: 'bench-pub', logger })
    clients.push(publisher)
    const broker = new RedisBroker({
      publisher,
      subscriber: createRedisClient(url, { name: 'bench-sub', logger }),
      prefix,
      logger,
      metrics: { publishFailed: () => {}, received: (ms) => i > 0 && lags.push(ms), resynced: () => {} },
    })
    broker.onEvent(() => received[i]!++)
    brokers.push(broker)
  }
  await Promise.all(brokers.map((b) => b.ready(5000)))
  const [publisher] = brokers
  const started = Date.now()
  let sent = 0
  const inFlight = new Set<Promise<void>>()
  while (sent < events) {
    if (rate > 0) {
      const due = started + (sent / rate) * 1000
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()))
    }
    const event: ClusterEvent = {
      kind: 'push',
      route: { conversationId: message.conversationId, membershipVersion: 1 },
      event: { type: 'message.created', message: { ...message, seq: ++sent } },
    }
    const p = publisher!.publish(event).finally(() => inFlight.delete(p))
    inFlight.add(p)
    if (inFlight.size >= 64) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  const published = Date.now()
  // the publisher delivers its own events in-process; the others through Redis
  const deadline = Date.now() + 60_000
  while (received.some((n) => n < events) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
  const done = Date.now()
  for (const b of brokers) await b.close()
  for (const c of clients) await closeRedisClient(c)
  await deleteRedisKeys(prefix, url)
  lags.sort((a, b) => a - b)
  const seconds = (done - started) / 1000
  return {
    instances,
    events,
    publishPerSecond: Math.round(events / ((published - started) / 1000)),
    deliveriesPerSecond: Math.round((events * instances) / seconds),
    allReceivedAfterMs: done - started,
    complete: received.every((n) => n === events),
    lagMs: { p50: pct(lags, 50), p99: pct(lags, 99), max: lags.at(-1) ?? 0 },
  }
}

const results = []
for (const n of values.instances.split(',').map(Number)) {
  results.push(await run(n, Number(values.events), Number(values.rate)))
  console.log(JSON.stringify(results.at(-1)))
}
