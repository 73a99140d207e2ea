import { BenchHttp } from '../lib/bench-client.js'
import { createOpenGroup, openMemberSockets, sendText } from '../lib/bench-group.js'
import { eventLoopMeter } from '../lib/jim-metrics.js'
import { inBatches } from '../lib/pace.js'
import { startUsage } from '../lib/proc-stats.js'
import type { Scenario } from '../lib/scenario.js'
import { round, summarize } from '../lib/stats.js'
import { Swarm } from '../lib/swarm.js'
import { waitIdle } from '../lib/wait-idle.js'
import { createUsers } from '../lib/users.js'

const SCENARIO = 'read-marks'

/**
 * Read marks/s this scenario measured at the start of the performance work (commit 0978ee7,
 * embedded, default size; 2 vCPU shared with other jobs, load average ~18): the issue asks for 3x.
 */
export const READ_MARKS_BEFORE = 109

/**
 * The group-receipts scenario made a throughput measurement: a 500-member open group, every member
 * online on a WebSocket, `messages` messages already in it; then members mark read as fast as the
 * server answers (`--read-concurrency` requests in flight), each member moving one message further
 * each round, so every request really advances a read position. Reports read marks/s, their
 * latency, server CPU per mark and the `conversation.read` frames the members got (coalesced in
 * large groups: about one per member per second, not one per mark).
 */
export const readMarks: Scenario = {
  name: 'read-marks',
  description: 'a 500-member group all online: POST …/read at full speed, read marks/s and receipt frames',
  options: { members: 'group size (500)', 'read-messages': 'messages to read (100)', 'read-concurrency': 'read marks in flight (32)' },
  shapes: ['embedded'],
  goals: READ_MARKS_BEFORE
    ? [
        {
          label: 'read marks/s >= 3x the start of issue 14',
          scenario: SCENARIO,
          shape: 'embedded',
          metric: 'readMarksPerSec',
          op: '>=',
          value: 3 * READ_MARKS_BEFORE,
        },
      ]
    : [],
  async run(ctx) {
    const opt = (name: string, normal: number, quick: number) => Number(ctx.options[name] ?? (ctx.quick ? quick : normal))
    const members = opt('members', 500, 100)
    const messages = opt('read-messages', 100, 30)
    const concurrency = opt('read-concurrency', 32, 16)
    return ctx.each(
      ['jim'],
      async (target) => {
        const http = new BenchHttp(target.instances[0]!.url, concurrency + 8)
        const swarm = Swarm.start()
        try {
          ctx.log(`jim: registering ${members} members`)
          const users = await createUsers(http, `rm${Date.now().toString(36)}_`, members)
          const group = await createOpenGroup(http, users[0]!, users)
          await openMemberSockets(swarm, target, users)
          // the messages to be read (the group's seqs start after the join notices)
          const sent = await inBatches(
            Array.from({ length: messages }, (_, i) => i),
            4,
            (i) => sendText(http, group.conversationId, users[i % users.length]!, `r${i}`, `to be read ${i}`),
          )
          const seqs = sent.sort((a, b) => a - b)
          // let the pushes of those messages drain before measuring
          await waitIdle(target.instances.map((i) => i.pid))

          await swarm.arm(1, 'conversation.read')
          const usage = startUsage(target.instances.map((i) => i.pid))
          const loop = await eventLoopMeter(target.metricsUrls)
          const latencies: number[] = []
          let errors = 0
          let firstError: string | undefined
          let next = 0
          const total = members * seqs.length
          const started = performance.now()
          const end = started + ctx.seconds * 1000
          await Promise.all(
            Array.from({ length: concurrency }, async () => {
              while (performance.now() < end && next < total) {
                const k = next++
                // round k / members: every member reads one message further
                const user = users[k % members]!
                const seq = seqs[Math.floor(k / members)]!
                const t = performance.now()
                const res = await http.request('POST', `/conversations/${group.conversationId}/read`, { seq }, user.token)
                if (res.status !== 200) {
                  errors++
                  firstError ??= `${res.status} ${JSON.stringify(res.body)}`
                } else latencies.push(performance.now() - t)
              }
            }),
          )
          const elapsed = (performance.now() - started) / 1000
          // coalesced receipts go out up to a second later
          await new Promise((r) => setTimeout(r, 1500))
          const used = usage.stop()
          const eventLoopP99Ms = await loop.stop()
          const report = await swarm.report(0)
          if (errors) ctx.log(`jim: ${errors} read marks failed, first: ${firstError}`)
          const s = summarize(latencies)
          return [
            {
              scenario: SCENARIO,
              shape: ctx.shape,
              target: 'jim' as const,
              metrics: {
                readMarksPerSec: round(latencies.length / elapsed),
                p50Ms: s.p50,
                p95Ms: s.p95,
                p99Ms: s.p99,
                cpuUsPerReadMark: round(used.cpuMicros / Math.max(1, latencies.length)),
                receiptFramesPerSec: round(report.typeFrames / (elapsed + 1.5)),
                receiptFramesPerReadMark: round(report.typeFrames / Math.max(1, latencies.length), 3),
                rssPeakMiB: round(used.rssPeakMiB),
                ...(eventLoopP99Ms === undefined ? {} : { eventLoopP99Ms }),
              },
              correctness: { lost: 0, duplicated: 0, gaps: 0, errors },
              note: `${members} members online, ${concurrency} read marks in flight, ${seqs.length} messages to read`,
            },
          ]
        } finally {
          await swarm.close()
          http.close()
        }
      },
      { env: { JIM_GROUPS_MAX_MEMBERS: String(Math.max(500, members)) } },
    )
  },
}
