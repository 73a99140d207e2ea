import { BenchHttp } from '../lib/bench-client.js'
import { CHEAP_SETUP_ENV, createOpenGroup } from '../lib/bench-group.js'
import { broadcastBaseline, fanoutRow, runFanoutPhase } from '../lib/fanout-run.js'
import type { Scenario } from '../lib/scenario.js'
import { Swarm } from '../lib/swarm.js'
import { createUsers } from '../lib/users.js'

const SCENARIO = 'fanout-group'
/** characters of marked text per message (JIM wraps it in a ~400-byte message.created frame) */
const TEXT_SIZE = 100

/**
 * A 500-member open group, every member online on one WebSocket (all held by one generator
 * process), a few members sending through REST at a fixed offered rate; against the raw `ws`
 * broadcast server pushing frames of the same size to as many sockets at the same rate.
 */
export const fanOutGroup: Scenario = {
  name: 'fan-out-group',
  description:
    'a 500-member group, all online: deliveries/s and send→deliver latency vs a raw ws broadcast (--members, --senders, --group-rate)',
  shapes: ['embedded', 'mysql'],
  goals: (['embedded', 'mysql'] as const).map((shape) => ({
    label: `group fan-out deliveries/s >= 0.8x raw ws (${shape})`,
    scenario: SCENARIO,
    shape,
    metric: 'deliveriesPerSec',
    versus: 'ws-broadcast' as const,
    op: '>=' as const,
    value: 0.8,
  })),
  async run(ctx) {
    const opt = (name: string, normal: number, quick: number) => Number(ctx.options[name] ?? (ctx.quick ? quick : normal))
    const members = opt('members', 500, 100)
    const senderCount = opt('senders', 5, 2)
    const rate = opt('group-rate', 40, 20)
    const note = `${members} members, ${senderCount} REST senders`
    let frameBytes = TEXT_SIZE
    const jim = await ctx.each(
      ['jim'],
      async (target) => {
        const http = new BenchHttp(target.instances[0]!.url, 64)
        const swarm = Swarm.start()
        try {
          ctx.log(`jim: registering ${members} members`)
          const users = await createUsers(http, `fg${Date.now().toString(36)}_`, members)
          const group = await createOpenGroup(http, users[0]!, users)
          // members spread over the instances: in a cluster most deliveries cross the broker
          for (const [i, instance] of target.instances.entries()) {
            const mine = users.filter((_, j) => j % target.instances.length === i)
            const opened = await swarm.open({ url: instance.wsUrl, tokens: mine.map((u) => u.token), concurrency: 50, readyType: 'ready' })
            if (opened.failed) throw new Error(`${opened.failed} sockets failed: ${opened.firstError}`)
          }
          const senders = users.slice(0, senderCount)
          ctx.log(`jim: ${rate} msg/s for ${ctx.seconds} s to ${members} sockets`)
          const phase = await runFanoutPhase({
            swarm,
            rate,
            seconds: ctx.seconds,
            size: TEXT_SIZE,
            pids: target.instances.map((i) => i.pid),
            metricsUrls: target.metricsUrls,
            send: async (id, text) => {
              const res = await http.request(
                'POST',
                `/conversations/${group.conversationId}/messages`,
                { clientMsgId: `f${id}`, type: 'text', content: { text } },
                senders[id % senders.length]!.token,
              )
              if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`)
            },
          })
          frameBytes = phase.frameBytes || frameBytes
          return [fanoutRow(ctx, SCENARIO, 'jim', rate, phase, note)]
        } finally {
          await swarm.close()
          http.close()
        }
      },
      { env: { ...CHEAP_SETUP_ENV, JIM_GROUPS_MAX_MEMBERS: String(Math.max(500, members)) } },
    )
    const raw = await broadcastBaseline(ctx, { scenario: SCENARIO, sockets: members, rate, seconds: ctx.seconds, frameBytes, note })
    return [...jim, ...raw]
  },
}
