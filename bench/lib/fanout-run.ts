import { eventLoopMeter } from './jim-metrics.js'
import { markedText, wallClock } from './marker.js'
import { paced } from './pace.js'
import { startUsage } from './proc-stats.js'
import { BenchHttp } from './bench-client.js'
import { sendText } from './bench-group.js'
import type { Correctness, Metrics, ResultRow, RunningTarget, ScenarioContext, TargetKind } from './scenario.js'
import type { BenchUser } from './users.js'
import { round } from './stats.js'
import { Swarm } from './swarm.js'
import { broadcastSender } from './ws-broadcast-client.js'

export interface FanoutPhase {
  /** the sockets that should each get every message, held by this swarm */
  swarm: Swarm
  /** messages per second offered (open loop) and for how long */
  rate: number
  seconds: number
  /** characters of the marked text in each message (the frame carries more around it) */
  size: number
  /** sends message `id` with this text; rejects when the server refused it */
  send(id: number, text: string): Promise<void>
  /** server processes (CPU and RSS) and, for JIM, /metrics URLs (event-loop delay) */
  pids: number[]
  metricsUrls: string[]
}

/** characters of marked text per JIM message (JIM wraps it in a ~400-byte message.created frame) */
const TEXT_SIZE = 100

/** Longest wait after the last send for deliveries still under way. */
const DRAIN_MS = 20_000

/**
 * Offers `rate` messages/s for `seconds` and counts what every socket got: deliveries/s over the
 * window from the first send to the last delivery (so a server that queues pays for its backlog),
 * send→deliver latency, exactly-once per socket, server CPU per delivery and RSS.
 */
export async function runFanoutPhase(
  p: FanoutPhase,
): Promise<{ metrics: Metrics; correctness: Correctness; frameBytes: number; sockets: number }> {
  const { sockets } = await p.swarm.arm(Math.ceil(p.rate * p.seconds) + 1)
  const usage = startUsage(p.pids)
  const loop = await eventLoopMeter(p.metricsUrls)
  const failed: number[] = []
  const started = wallClock()
  const load = await paced(p.rate, p.seconds, (id) =>
    p.send(id, markedText(id, p.size)).catch((err) => {
      failed.push(id)
      throw err
    }),
  )
  let report = await p.swarm.report(load.sent, failed)
  const drainEnd = Date.now() + DRAIN_MS
  let stalled = 0
  while (report.delivered - report.duplicates < report.expected && Date.now() < drainEnd && stalled < 6) {
    await new Promise((r) => setTimeout(r, 500))
    const next = await p.swarm.report(load.sent, failed)
    stalled = next.delivered === report.delivered ? stalled + 1 : 0
    report = next
  }
  const used = usage.stop()
  const eventLoopP99Ms = await loop.stop()
  const window = Math.max(0.001, (report.lastAt - started) / 1000)
  return {
    sockets,
    frameBytes: report.frameBytes,
    metrics: {
      deliveriesPerSec: round(report.delivered / window),
      msgPerSec: round((load.sent - failed.length) / window),
      p50Ms: report.latencyMs.p50,
      p95Ms: report.latencyMs.p95,
      p99Ms: report.latencyMs.p99,
      cpuUsPerDelivery: round(used.cpuMicros / Math.max(1, report.delivered)),
      rssPeakMiB: round(used.rssPeakMiB),
      rssAvgMiB: round(used.rssAvgMiB),
      ...(eventLoopP99Ms === undefined ? {} : { eventLoopP99Ms }),
    },
    correctness: { lost: report.missing, duplicated: report.duplicates + report.unexpected, gaps: report.gaps, errors: load.errors },
  }
}

export type FanoutResult = Awaited<ReturnType<typeof runFanoutPhase>>

/**
 * One result row of a fan-out scenario. The offered rate is a metric, not the row's `offered`: JIM and
 * the baseline always run at the same rate, and the goals pair them whatever --group-rate says.
 */
export function fanoutRow(
  ctx: ScenarioContext,
  scenario: string,
  target: TargetKind,
  rate: number,
  phase: FanoutResult,
  note: string,
): ResultRow {
  return {
    scenario,
    shape: ctx.shape,
    target,
    metrics: {
      ...phase.metrics,
      sockets: phase.sockets,
      frameBytes: phase.frameBytes,
      offeredMsgPerSec: rate,
      offeredDeliveriesPerSec: rate * phase.sockets,
    },
    correctness: phase.correctness,
    note: `${note}; lost = socket×message deliveries missing`,
  }
}

/**
 * The raw `ws` broadcast baseline: `sockets` plain sockets, one sender pushing frames of
 * `frameBytes` (what JIM's frames measured) at the same rate.
 */
export async function broadcastBaseline(
  ctx: ScenarioContext,
  o: { scenario: string; sockets: number; rate: number; seconds: number; frameBytes: number; note: string },
): Promise<ResultRow[]> {
  return baselineOrNote(ctx, o.scenario, () =>
    ctx.each(['ws-broadcast'], async (target) => {
      const [instance] = target.instances
      const swarm = Swarm.start()
      const sender = broadcastSender(instance!)
      try {
        const opened = await swarm.open({ url: instance!.wsUrl, tokens: new Array(o.sockets).fill(null), concurrency: 50 })
        if (opened.failed) throw new Error(`${opened.failed} sockets failed: ${opened.firstError}`)
        ctx.log(`ws-broadcast: ${o.rate} msg/s for ${o.seconds} s to ${o.sockets} sockets`)
        const phase = await runFanoutPhase({
          swarm,
          rate: o.rate,
          seconds: o.seconds,
          // the published body {"text": …} is the frame: as many bytes as JIM's
          size: o.frameBytes - '{"text":""}'.length,
          pids: target.instances.map((i) => i.pid),
          metricsUrls: [],
          send: (_id, text) => sender.send(text),
        })
        return [fanoutRow(ctx, o.scenario, 'ws-broadcast', o.rate, phase, o.note)]
      } finally {
        sender.close()
        await swarm.close()
      }
    }),
  )
}

/**
 * Runs a baseline; if it cannot run (e.g. not in this checkout), a row that says why, so the JIM
 * rows measured before it are kept.
 */
export async function baselineOrNote(ctx: ScenarioContext, scenario: string, run: () => Promise<ResultRow[]>): Promise<ResultRow[]> {
  try {
    return await run()
  } catch (err) {
    ctx.log(`ws-broadcast baseline failed: ${(err as Error).message}`)
    return [{ scenario, shape: ctx.shape, target: 'ws-broadcast', metrics: {}, note: `failed: ${(err as Error).message}` }]
  }
}

/**
 * A fan-out comparison: JIM (started with `env`; `prepare` registers users, opens their sockets in
 * the swarm and names the conversation and its senders, who then post through REST at `rate`),
 * then the raw `ws` broadcast with as many sockets, frames as large as JIM's, at the same rate.
 */
export async function compareFanout(
  ctx: ScenarioContext,
  o: {
    scenario: string
    rate: number
    note: string
    env: Record<string, string>
    prepare(target: RunningTarget, http: BenchHttp, swarm: Swarm): Promise<{ conversationId: string; senders: BenchUser[] }>
  },
): Promise<ResultRow[]> {
  let frameBytes = TEXT_SIZE
  let sockets = 0
  const jim = await ctx.each(
    ['jim'],
    async (target) => {
      const http = new BenchHttp(target.instances[0]!.url, 64)
      const swarm = Swarm.start()
      try {
        const { conversationId, senders } = await o.prepare(target, http, swarm)
        ctx.log(`jim: ${o.rate} msg/s for ${ctx.seconds} s`)
        const phase = await runFanoutPhase({
          swarm,
          rate: o.rate,
          seconds: ctx.seconds,
          size: TEXT_SIZE,
          pids: target.instances.map((i) => i.pid),
          metricsUrls: target.metricsUrls,
          send: async (id, text) => void (await sendText(http, conversationId, senders[id % senders.length]!, `f${id}`, text)),
        })
        frameBytes = phase.frameBytes || frameBytes
        sockets = phase.sockets
        return [fanoutRow(ctx, o.scenario, 'jim', o.rate, phase, o.note)]
      } finally {
        await swarm.close()
        http.close()
      }
    },
    { env: o.env },
  )
  const raw = await broadcastBaseline(ctx, { scenario: o.scenario, sockets, rate: o.rate, seconds: ctx.seconds, frameBytes, note: o.note })
  return [...jim, ...raw]
}
