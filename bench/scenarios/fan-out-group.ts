import { createOpenGroup, openMemberSockets } from '../lib/bench-group.js'
import { compareFanout } from '../lib/fanout-run.js'
import type { Scenario } from '../lib/scenario.js'
import { createUsers } from '../lib/users.js'

const SCENARIO = 'fanout-group'

/**
 * A 500-member open group, every member online on one WebSocket (all held by one generator
 * process), a few members sending through REST at a fixed offered rate; against the raw `ws`
 * broadcast server pushing frames of the same size to as many sockets at the same rate.
 */
export const fanOutGroup: Scenario = {
  name: 'fan-out-group',
  description: 'a 500-member group, all online: deliveries/s and send→deliver latency vs a raw ws broadcast',
  options: { members: 'group size (500)', senders: 'members who send (5)', 'group-rate': 'messages/s offered in total (40)' },
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
  run(ctx) {
    const opt = (name: string, normal: number, quick: number) => Number(ctx.options[name] ?? (ctx.quick ? quick : normal))
    const members = opt('members', 500, 100)
    const senders = opt('senders', 5, 2)
    return compareFanout(ctx, {
      scenario: SCENARIO,
      rate: opt('group-rate', 40, 20),
      note: `${members} members, ${senders} REST senders`,
      env: { JIM_GROUPS_MAX_MEMBERS: String(Math.max(500, members)) },
      async prepare(target, http, swarm) {
        ctx.log(`jim: registering ${members} members`)
        const users = await createUsers(http, `fg${Date.now().toString(36)}_`, members)
        const group = await createOpenGroup(http, users[0]!, users)
        await openMemberSockets(swarm, target, users)
        return { conversationId: group.conversationId, senders: users.slice(0, senders) }
      },
    })
  },
}
