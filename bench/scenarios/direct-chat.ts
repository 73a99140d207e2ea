/**
 * Direct chat: `pairs` pairs of friends, one sender per pair, the receiver on a WebSocket (in the
 * cluster shapes senders talk to instance A, receivers sit on instance B). Against JIM, the
 * least-code baseline and Express + Socket.IO, each fresh, one after the other, with phases:
 * full speed over REST, full speed on the socket, then fixed offered rates over REST.
 */
import { chatClient, inParallel } from '../lib/chat-clients.js'
import { DeliveryLog, runPhase, type PhaseSpec } from '../lib/load.js'
import type { Goal, ResultRow, Scenario, Shape } from '../lib/scenario.js'

const RATES: Record<Shape, number[]> = { embedded: [250, 500, 1000, 2000, 4000], mysql: [1000], postgres: [1000] }

const goals: Goal[] = [
  {
    label: 'embedded, full speed REST: >= 0.5x least-code',
    scenario: 'direct-rest-full',
    shape: 'embedded',
    metric: 'msgPerSec',
    versus: 'least-code',
    op: '>=',
    value: 0.5,
  },
  {
    label: 'embedded, full speed REST: >= 1.5x Socket.IO',
    scenario: 'direct-rest-full',
    shape: 'embedded',
    metric: 'msgPerSec',
    versus: 'socketio',
    op: '>=',
    value: 1.5,
  },
  {
    label: 'embedded, full speed REST: server CPU <= 150 µs/msg',
    scenario: 'direct-rest-full',
    shape: 'embedded',
    metric: 'cpuUsPerMsg',
    op: '<=',
    value: 150,
  },
  {
    label: 'embedded, full speed sends over WebSocket: >= 0.8x least-code',
    scenario: 'direct-ws-full',
    shape: 'embedded',
    metric: 'msgPerSec',
    versus: 'least-code',
    op: '>=',
    value: 0.8,
  },
  {
    label: 'embedded, p99 send→deliver at 1,000 msg/s <= 10 ms',
    scenario: 'direct-rest-rate',
    shape: 'embedded',
    offered: 1000,
    metric: 'p99Ms',
    op: '<=',
    value: 10,
  },
  {
    label: 'embedded, event-loop delay p99 at 1,000 msg/s <= 10 ms',
    scenario: 'direct-rest-rate',
    shape: 'embedded',
    offered: 1000,
    metric: 'eventLoopP99Ms',
    op: '<=',
    value: 10,
  },
  {
    label: 'embedded, server RSS under full load <= 1.5x Socket.IO',
    scenario: 'direct-rest-full',
    shape: 'embedded',
    metric: 'rssPeakMiB',
    versus: 'socketio',
    op: '<=',
    value: 1.5,
  },
  ...(['mysql', 'postgres'] as const).flatMap((shape): Goal[] => {
    const db = shape === 'mysql' ? 'MariaDB' : 'PostgreSQL'
    return [
      {
        label: `2 instances ${db} + Redis, p99 at 1,000 msg/s <= 15 ms`,
        scenario: 'direct-rest-rate',
        shape,
        offered: 1000,
        metric: 'p99Ms',
        op: '<=',
        value: 15,
      },
      {
        label: `2 instances ${db} + Redis, full speed: >= 0.75x least-code`,
        scenario: 'direct-rest-full',
        shape,
        metric: 'msgPerSec',
        versus: 'least-code',
        op: '>=',
        value: 0.75,
      },
      {
        label: `2 instances ${db} + Redis, full speed: >= 1.15x Socket.IO + Redis adapter`,
        scenario: 'direct-rest-full',
        shape,
        metric: 'msgPerSec',
        versus: 'socketio',
        op: '>=',
        value: 1.15,
      },
    ]
  }),
]

export const directChat: Scenario = {
  name: 'direct-chat',
  description: 'pairs of friends: full speed over REST and over the socket, then fixed offered rates',
  shapes: ['embedded', 'mysql', 'postgres'],
  goals,
  options: { rates: 'offered rates in msg/s, comma-separated (embedded: 250,500,1000,2000,4000; clusters: 1000)' },
  async run(ctx) {
    const rates =
      typeof ctx.options.rates === 'string' ? ctx.options.rates.split(',').map(Number) : ctx.quick ? [500, 2000] : RATES[ctx.shape]
    const rateSeconds = Math.max(2, Math.round(ctx.seconds * 0.6))
    return ctx.each(['jim', 'least-code', 'socketio'], async (target) => {
      const client = chatClient(target)
      const rows: ResultRow[] = []
      try {
        const t0 = performance.now()
        const pairs = await client.setup(ctx.pairs)
        const log = new DeliveryLog()
        await inParallel(pairs, 16, (p) => client.listen(p, log.receiver(p.receiver)))
        ctx.log(`${target.kind}: ${pairs.length} pairs ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
        let phase = 0
        const run = async (spec: PhaseSpec) => {
          const row = await runPhase(client, target, pairs, log, spec, `p${++phase}`)
          ctx.log(
            `${target.kind} ${spec.scenario}${spec.rate ? ` @${spec.rate}` : ''}: ${row.metrics.msgPerSec} msg/s, p99 ${row.metrics.p99Ms} ms`,
          )
          rows.push(row)
        }
        await run({ scenario: 'direct-rest-full', via: 'rest', seconds: ctx.seconds })
        const unsupported = await client.openSendSockets(pairs)
        if (unsupported) rows.push({ scenario: 'direct-ws-full', shape: ctx.shape, target: target.kind, metrics: {}, note: unsupported })
        else await run({ scenario: 'direct-ws-full', via: 'ws', seconds: ctx.seconds })
        for (const rate of rates) await run({ scenario: 'direct-rest-rate', via: 'rest', seconds: rateSeconds, rate })
      } finally {
        await client.close()
      }
      return rows
    })
  },
}
