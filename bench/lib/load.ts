/**
 * The load generator's phases over a ChatClient: full speed (closed loop, one send in flight per
 * pair) and a fixed offered rate (open loop, paced every ~2 ms, in-flight capped). Every phase
 * measures send→deliver latency, stored+delivered msg/s, the server's CPU and RSS, JIM's
 * event-loop delay when exported, and checks lost / duplicated / gaps.
 */
import type { ChatClient, ChatPair, SentMessage } from './chat-clients.js'
import { checkDeliveries, type Acked, type Delivery } from './correctness.js'
import { eventLoopMeter } from './jim-metrics.js'
import { startUsage } from './proc-stats.js'
import type { ResultRow, RunningTarget } from './scenario.js'
import { round, summarize } from './stats.js'

export interface PhaseSpec {
  /** row name, e.g. direct-rest-full */
  scenario: string
  via: 'rest' | 'ws'
  seconds: number
  /** offered msg/s; absent = full speed */
  rate?: number
}

/** Deliveries of one target run, across phases (gaps are checked over the whole run). */
export class DeliveryLog {
  readonly deliveries: Delivery[] = []
  readonly sentAt = new Map<string, number>()
  /** per phase tag (the clientMsgId prefix before '.'): latencies and deliveries */
  readonly byPhase = new Map<string, { latencies: number[]; deliveries: Delivery[] }>()

  phase(tag: string) {
    let p = this.byPhase.get(tag)
    if (!p) this.byPhase.set(tag, (p = { latencies: [], deliveries: [] }))
    return p
  }

  receiver(receiver: string) {
    return (m: SentMessage, at: number) => {
      const d = { receiver, ...m }
      this.deliveries.push(d)
      const phase = this.phase(m.clientMsgId.slice(0, m.clientMsgId.indexOf('.')))
      phase.deliveries.push(d)
      const start = this.sentAt.get(m.clientMsgId)
      if (start !== undefined) {
        phase.latencies.push(at - start)
        this.sentAt.delete(m.clientMsgId)
      }
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** the most sends in flight in a fixed-rate phase; beyond it the generator skips (and says so) */
const MAX_IN_FLIGHT = 2000

export async function runPhase(
  client: ChatClient,
  target: RunningTarget,
  pairs: ChatPair[],
  log: DeliveryLog,
  spec: PhaseSpec,
  tag: string,
): Promise<ResultRow> {
  const acked: Acked[] = []
  let errors = 0
  let skipped = 0
  /** sends still unanswered 15 s after a fixed-rate phase: left out of the row (and said so) */
  let unfinished = 0
  let n = 0
  const send = async (p: ChatPair) => {
    const clientMsgId = `${tag}.${++n}`
    log.sentAt.set(clientMsgId, performance.now())
    try {
      const m =
        spec.via === 'rest' ? await client.sendRest(p, clientMsgId, `hello ${n}`) : await client.sendWs(p, clientMsgId, `hello ${n}`)
      acked.push(m)
    } catch (err) {
      if (errors++ === 0) console.error(`[bench] first send error in ${spec.scenario} on ${target.kind}: ${(err as Error).message}`)
      log.sentAt.delete(clientMsgId)
    }
  }

  const usage = startUsage(target.instances.map((i) => i.pid))
  const generatorCpu = process.cpuUsage()
  const loop = await eventLoopMeter(target.metricsUrls)
  const start = performance.now()
  const end = start + spec.seconds * 1000
  if (spec.rate === undefined) {
    await Promise.all(
      pairs.map(async (p) => {
        while (performance.now() < end) await send(p)
      }),
    )
  } else {
    const inflight = new Set<Promise<void>>()
    let issued = 0
    let next = 0
    for (let now = performance.now(); now < end; now = performance.now()) {
      const due = Math.floor(((now - start) * spec.rate) / 1000) - issued
      for (let k = 0; k < due; k++, issued++) {
        if (inflight.size >= MAX_IN_FLIGHT) {
          skipped++
          continue
        }
        const p = send(pairs[next++ % pairs.length]!)
        inflight.add(p)
        void p.finally(() => inflight.delete(p))
      }
      await sleep(2)
    }
    await Promise.race([Promise.all(inflight), sleep(15_000)])
    unfinished = inflight.size
  }
  const sendSeconds = (performance.now() - start) / 1000
  // wait until everything acknowledged has arrived (or 5 s)
  const phase = log.phase(tag)
  const drainUntil = performance.now() + 5000
  while (phase.deliveries.length < acked.length && performance.now() < drainUntil) await sleep(20)
  const eventLoopP99Ms = await loop.stop()
  const used = usage.stop()
  const generator = process.cpuUsage(generatorCpu)

  const latency = summarize(phase.latencies)
  const check = checkDeliveries(acked, phase.deliveries, errors)
  const delivered = Math.min(acked.length, new Set(phase.deliveries.map((d) => d.clientMsgId)).size)
  return {
    scenario: spec.scenario,
    shape: target.shape,
    target: target.kind,
    ...(spec.rate !== undefined ? { offered: spec.rate } : {}),
    metrics: {
      msgPerSec: round(delivered / sendSeconds, 0),
      cpuUsPerMsg: acked.length ? round(used.cpuMicros / acked.length, 0) : undefined,
      p50Ms: latency.p50,
      p95Ms: latency.p95,
      p99Ms: latency.p99,
      maxMs: latency.max,
      rssPeakMiB: round(used.rssPeakMiB, 0),
      rssAvgMiB: round(used.rssAvgMiB, 0),
      ...(eventLoopP99Ms !== undefined ? { eventLoopP99Ms: round(eventLoopP99Ms) } : {}),
      // the load generator's own CPU: it shares the cores with the servers
      generatorCpuUsPerMsg: acked.length ? round((generator.user + generator.system) / acked.length, 0) : undefined,
      ...(skipped ? { skipped } : {}),
      ...(unfinished ? { unfinished } : {}),
    },
    // gaps over everything this run delivered so far, so a hole at a phase boundary counts too
    correctness: { ...check, gaps: checkDeliveries([], log.deliveries).gaps },
  }
}
