import type WebSocket from 'ws'
import { BenchHttp, openSocket } from '../lib/bench-client.js'
import { paced } from '../lib/pace.js'
import { cpuMicros } from '../lib/proc-stats.js'
import type { ResultRow, Scenario, ScenarioContext } from '../lib/scenario.js'
import { createUsers, pair } from '../lib/users.js'

/** Cluster events this instance took from Redis (envelopes; its own pings' echoes are a few per 5 s) and handled in all. */
async function brokerCounters(metricsUrl: string): Promise<{ received: number; handled: number }> {
  const text = await (await fetch(metricsUrl)).text()
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0)
  return {
    received: value(/^jim_broker_lag_seconds_count(?:\{[^}]*\})? (\S+)$/m),
    handled: value(/^jim_broker_events_total\{direction="in"\} (\S+)$/m),
  }
}

/**
 * The same offered load on 2 and on 4 instances: `pairs` direct-chat pairs, the two users of a pair
 * on different instances (user i on instance i mod N), each message sent through its sender's
 * instance, `rate` messages/s in total. Per instance: events received from Redis, events handled
 * (its own included), CPU. With targeted routing a message reaches only its recipient's instance,
 * so the routed traffic per instance is rate/N; a single broadcast channel would bring every
 * instance the events of all the others (rate x (N-1)/N), shown as `broadcastWouldReceive`.
 */
async function measure(ctx: ScenarioContext, instances: number, pairs: number, rate: number): Promise<ResultRow> {
  return (
    await ctx.each(
      ['jim'],
      async (target) => {
        const https = target.instances.map((i) => new BenchHttp(i.url))
        const users = await createUsers(https[0]!, `bi${instances}${Date.now().toString(36)}_`, pairs * 2)
        const conversations: string[] = []
        for (let k = 0; k < pairs; k++) conversations.push(await pair(https[0]!, users[2 * k]!, users[2 * k + 1]!))
        let delivered = 0
        const sockets: WebSocket[] = []
        for (const [i, user] of users.entries()) {
          sockets.push(
            await openSocket(target.instances[i % instances]!.wsUrl, user.token, (f) => f.type === 'message.created' && delivered++),
          )
        }
        // let presence settle and the first lookups warm the member caches
        await new Promise((r) => setTimeout(r, 1500))
        const before = await Promise.all(target.metricsUrls.map(brokerCounters))
        const cpuBefore = target.instances.map((i) => cpuMicros(i.pid))
        const started = performance.now()
        const load = await paced(rate, ctx.seconds, async (n) => {
          const k = n % pairs
          const from = 2 * k + (Math.floor(n / pairs) % 2)
          const res = await https[from % instances]!.request(
            'POST',
            `/conversations/${conversations[k]}/messages`,
            { clientMsgId: `b${n}`, type: 'text', content: { text: `routing bench ${n}` } },
            users[from]!.token,
          )
          if (res.status !== 201) throw new Error(`send: ${res.status}`)
        })
        await new Promise((r) => setTimeout(r, 1000))
        const elapsed = (performance.now() - started) / 1000
        const after = await Promise.all(target.metricsUrls.map(brokerCounters))
        const cpu = target.instances.map((i, n) => (cpuMicros(i.pid) - cpuBefore[n]!) / 1000 / elapsed)
        for (const s of sockets) s.close()
        const received = after.map((a, i) => a.received - before[i]!.received)
        const handled = after.map((a, i) => a.handled - before[i]!.handled)
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
        ctx.log(
          `jim x${instances}: sent ${load.sent} (${load.errors} errors), delivered ${delivered}; per instance received ${received.join(', ')}, handled ${handled.join(', ')}, CPU ms/s ${cpu.map((c) => c.toFixed(0)).join(', ')}`,
        )
        return [
          {
            scenario: `broker-per-instance-x${instances}`,
            shape: ctx.shape,
            target: 'jim' as const,
            offered: rate,
            metrics: {
              instances,
              sent: load.sent,
              delivered,
              receivedPerInstance: Math.round(mean(received)),
              receivedMaxInstance: Math.max(...received),
              handledPerInstance: Math.round(mean(handled)),
              broadcastWouldReceive: Math.round((load.sent * (instances - 1)) / instances),
              cpuMsPerSecPerInstance: Math.round(mean(cpu)),
              cpuMsPerSecTotal: Math.round(cpu.reduce((a, b) => a + b, 0)),
            },
          },
        ]
      },
      { instances },
    )
  )[0]!
}

export const brokerPerInstance: Scenario = {
  name: 'broker-per-instance',
  description: 'the same direct-chat load on 2 and 4 instances: events each instance receives from Redis, and its CPU',
  options: { 'broker-pairs': 'direct-chat pairs (40)', 'broker-rate': 'messages/s offered in total (200)' },
  shapes: ['mysql', 'postgres'],
  async run(ctx) {
    const pairs = Number(ctx.options['broker-pairs'] ?? (ctx.quick ? 8 : 40))
    const rate = Number(ctx.options['broker-rate'] ?? (ctx.quick ? 50 : 200))
    const rows: ResultRow[] = []
    for (const instances of [2, 4]) rows.push(await measure(ctx, instances, pairs, rate))
    return rows
  },
}
