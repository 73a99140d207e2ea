import { BenchHttp } from '../lib/bench-client.js'
import { CHEAP_SETUP_ENV } from '../lib/bench-group.js'
import { broadcastBaseline, fanoutRow, runFanoutPhase } from '../lib/fanout-run.js'
import type { Scenario } from '../lib/scenario.js'
import { Swarm } from '../lib/swarm.js'
import { createUsers } from '../lib/users.js'
import { inBatches } from '../lib/pace.js'

const SCENARIO = 'fanout-world'
const TEXT_SIZE = 100

/**
 * The world channel with 5,000 sockets (users x sockets each, all held by one generator process
 * under a raised open-file limit), a few users posting through REST at a fixed rate; against the
 * raw `ws` broadcast server with as many sockets. Rate limits are off for every bench server, which
 * also lifts the world caps (by default 20 messages/min per user and 200/s for everybody).
 */
export const fanOutWorld: Scenario = {
  name: 'fan-out-world',
  description:
    'the world channel with 5,000 sockets: deliveries/s vs a raw ws broadcast (--world-users, --world-sockets-per-user, --world-rate)',
  shapes: ['embedded'],
  goals: [
    {
      label: 'world fan-out deliveries/s >= 0.8x raw ws',
      scenario: SCENARIO,
      shape: 'embedded',
      metric: 'deliveriesPerSec',
      versus: 'ws-broadcast',
      op: '>=',
      value: 0.8,
    },
  ],
  async run(ctx) {
    const opt = (name: string, normal: number, quick: number) => Number(ctx.options[name] ?? (ctx.quick ? quick : normal))
    const userCount = opt('world-users', 1000, 200)
    const perUser = opt('world-sockets-per-user', 5, 5)
    const rate = opt('world-rate', 8, 4)
    const sockets = userCount * perUser
    const note = `${userCount} users x ${perUser} sockets, 4 REST senders`
    let frameBytes = TEXT_SIZE
    const jim = await ctx.each(
      ['jim'],
      async (target) => {
        const http = new BenchHttp(target.instances[0]!.url, 64)
        const swarm = Swarm.start()
        try {
          ctx.log(`jim: registering ${userCount} users`)
          const users = await createUsers(http, `fw${Date.now().toString(36)}_`, userCount)
          // as a client does on start: the world conversation (its member rows are made on first sight)
          const views = await inBatches(users, 16, (u) => http.request('GET', '/conversations/world', undefined, u.token))
          const world = views[0]!
          if (views.some((v) => v.status !== 200)) throw new Error(`world: ${JSON.stringify(views.find((v) => v.status !== 200))}`)
          const tokens = users.flatMap((u) => new Array<string>(perUser).fill(u.token))
          ctx.log(`jim: opening ${sockets} sockets`)
          const opened = await swarm.open({ url: target.instances[0]!.wsUrl, tokens, concurrency: 50, readyType: 'ready' })
          if (opened.failed) throw new Error(`${opened.failed} sockets failed: ${opened.firstError}`)
          const senders = users.slice(0, 4)
          ctx.log(`jim: ${rate} msg/s for ${ctx.seconds} s to ${sockets} sockets`)
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
                `/conversations/${world.body.id}/messages`,
                { clientMsgId: `w${id}`, type: 'text', content: { text } },
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
      { env: { ...CHEAP_SETUP_ENV, JIM_WS_MAX_SOCKETS_PER_USER: String(Math.max(10, perUser)) } },
    )
    const raw = await broadcastBaseline(ctx, { scenario: SCENARIO, sockets, rate, seconds: ctx.seconds, frameBytes, note })
    return [...jim, ...raw]
  },
}
