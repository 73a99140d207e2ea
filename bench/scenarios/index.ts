import type { Scenario } from '../lib/scenario.js'
import { brokerPerInstance } from './broker-per-instance.js'
import { directChat } from './direct-chat.js'
import { fanOutGroup } from './fan-out-group.js'
import { fanOutWorld } from './fan-out-world.js'
import { groupReceipts } from './group-receipts.js'
import { history1m } from './history-1m.js'
import { idleSockets } from './idle-sockets.js'
import { readMarks } from './read-marks.js'
import { search1m } from './search-1m.js'

/**
 * Every scenario `npm run bench` knows, in run order. Add yours here (one file per scenario in
 * bench/scenarios/, implementing `Scenario` from bench/lib/scenario.ts).
 */
export const SCENARIOS: Scenario[] = [
  directChat,
  {
    name: 'group-receipts',
    description: 'a 500-member open group, all online, 5 senders at 1 msg/s, every member marks read on receipt (JIM only)',
    shapes: ['embedded'],
    options: { members: 'group size (500)' },
    async run(ctx) {
      const members = Number(ctx.options.members ?? 500)
      return ctx.each(
        ['jim'],
        async (t) => {
          const r = await groupReceipts({
            urls: t.instances.map((i) => i.url),
            wsUrls: t.instances.map((i) => i.wsUrl),
            members,
            seconds: ctx.seconds,
            senders: 5,
          })
          return [
            {
              scenario: 'group-receipts',
              shape: ctx.shape,
              target: t.kind,
              metrics: {
                receiptFramesPerSec: r.receiptFramesPerSecond,
                receiptFramesPerMsg: r.receiptFramesPerMessage,
                p50Ms: r.messageLatencyMs.p50,
                p99Ms: r.messageLatencyMs.p99,
              },
            },
          ]
        },
        { env: { JIM_GROUPS_MAX_MEMBERS: String(Math.max(500, members)) } },
      )
    },
  },
  fanOutGroup,
  fanOutWorld,
  idleSockets,
  history1m,
  search1m,
  readMarks,
  brokerPerInstance,
]
