import { compareFanout } from '../lib/fanout-run.js'
import { inBatches } from '../lib/pace.js'
import type { Scenario } from '../lib/scenario.js'
import { createUsers } from '../lib/users.js'

const SCENARIO = 'fanout-world'

/**
 * The world channel with 5,000 sockets (users x sockets each, all held by one generator process
 * under a raised open-file limit), a few users posting through REST at a fixed rate; against the
 * raw `ws` broadcast server with as many sockets. Rate limits are off for every bench server, which
 * also lifts the world caps (by default 20 messages/min per user and 200/s for everybody).
 */
export const fanOutWorld: Scenario = {
  name: 'fan-out-world',
  description: 'the world channel with 5,000 sockets: deliveries/s vs a raw ws broadcast',
  options: {
    'world-users': 'users (1000)',
    'world-sockets-per-user': 'sockets each (5)',
    'world-rate': 'messages/s offered in total (8)',
  },
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
  run(ctx) {
    const opt = (name: string, normal: number, quick: number) => Number(ctx.options[name] ?? (ctx.quick ? quick : normal))
    const userCount = opt('world-users', 1000, 200)
    const perUser = opt('world-sockets-per-user', 5, 5)
    return compareFanout(ctx, {
      scenario: SCENARIO,
      rate: opt('world-rate', 8, 4),
      note: `${userCount} users x ${perUser} sockets, 4 REST senders`,
      env: { JIM_WS_MAX_SOCKETS_PER_USER: String(Math.max(10, perUser)) },
      async prepare(target, http, swarm) {
        ctx.log(`jim: registering ${userCount} users`)
        const users = await createUsers(http, `fw${Date.now().toString(36)}_`, userCount)
        // as a client does on start: the world conversation (its member rows are made on first sight)
        const views = await inBatches(users, 16, (u) => http.request('GET', '/conversations/world', undefined, u.token))
        const failed = views.find((v) => v.status !== 200)
        if (failed) throw new Error(`world: ${failed.status} ${JSON.stringify(failed.body)}`)
        const tokens = users.flatMap((u) => new Array<string>(perUser).fill(u.token))
        ctx.log(`jim: opening ${tokens.length} sockets`)
        const opened = await swarm.open({ url: target.instances[0]!.wsUrl, tokens, concurrency: 50, readyType: 'ready' })
        if (opened.failed) throw new Error(`${opened.failed} sockets failed: ${opened.firstError}`)
        return { conversationId: views[0]!.body.id, senders: users.slice(0, 4) }
      },
    })
  },
}
