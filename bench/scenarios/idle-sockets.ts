import { execSync } from 'node:child_process'
import { BenchHttp } from '../lib/bench-client.js'
import { baselineOrNote } from '../lib/fanout-run.js'
import { rssBytes } from '../lib/proc-stats.js'
import type { ResultRow, RunningTarget, Scenario, ScenarioContext } from '../lib/scenario.js'
import { round } from '../lib/stats.js'
import { Swarm } from '../lib/swarm.js'
import { createUsers } from '../lib/users.js'

const SCENARIO = 'idle-sockets'
/** open files a server needs besides its sockets (database, logs, listeners…) */
const FD_HEADROOM = 500

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** RSS of a settled process: the median of a few samples. */
async function settledRss(pid: number): Promise<number> {
  await sleep(2000)
  const samples: number[] = []
  for (let i = 0; i < 5; i++) {
    samples.push(rssBytes(pid))
    await sleep(200)
  }
  return samples.sort((a, b) => a - b)[2]!
}

/** The open-file soft limit the servers inherit from this process. */
function inheritedFdLimit(): number {
  try {
    return Number(execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim()) || Infinity
  } catch {
    return Infinity
  }
}

/**
 * N idle authenticated WebSockets (spread over a number of users) held open to one server process:
 * RSS per socket = (RSS with the sockets - RSS before) / N, for JIM and, as a reference, the raw `ws`
 * broadcast server (plain sockets, no authentication).
 */
export const idleSockets: Scenario = {
  name: 'idle-sockets',
  description: '19,000 idle authenticated WebSockets to one process: RSS per socket, JIM and raw ws',
  options: { 'idle-sockets': 'sockets to hold (19000)', 'idle-users': 'users they belong to (100)' },
  shapes: ['embedded'],
  goals: [{ label: 'idle socket <= 8 KB RSS', scenario: SCENARIO, shape: 'embedded', metric: 'rssPerSocketKB', op: '<=', value: 8 }],
  async run(ctx) {
    const opt = (name: string, normal: number, quick: number) => Number(ctx.options[name] ?? (ctx.quick ? quick : normal))
    const limit = inheritedFdLimit()
    const wanted = opt('idle-sockets', 19_000, 2_000)
    const sockets = Math.min(wanted, limit - FD_HEADROOM)
    if (sockets < wanted) ctx.log(`open-file limit ${limit}: measuring ${sockets} sockets instead of ${wanted}`)
    const userCount = opt('idle-users', 100, 20)
    const perUser = Math.ceil(sockets / userCount)
    const note = `${sockets} sockets${sockets < wanted ? ` (open-file limit ${limit})` : ''}`

    const jim = await ctx.each(
      ['jim'],
      async (target) => {
        const http = new BenchHttp(target.instances[0]!.url, 16)
        try {
          ctx.log(`jim: registering ${userCount} users`)
          const users = await createUsers(http, `is${Date.now().toString(36)}_`, userCount)
          const tokens = Array.from({ length: sockets }, (_, i) => users[i % userCount]!.token)
          return [await measure(ctx, target, tokens, 'ready', `${note} over ${userCount} users`)]
        } finally {
          http.close()
        }
      },
      { env: { JIM_WS_MAX_SOCKETS_PER_USER: String(Math.min(1000, perUser + 1)) } },
    )
    const raw = await baselineOrNote(ctx, SCENARIO, () =>
      ctx.each(['ws-broadcast'], async (target) => [await measure(ctx, target, new Array(sockets).fill(null), undefined, note)]),
    )
    return [...jim, ...raw]
  },
}

async function measure(
  ctx: ScenarioContext,
  target: RunningTarget,
  tokens: Array<string | null>,
  readyType: string | undefined,
  note: string,
): Promise<ResultRow> {
  const { pid, wsUrl } = target.instances[0]!
  const swarm = Swarm.start()
  try {
    const before = await settledRss(pid)
    ctx.log(`${target.kind}: opening ${tokens.length} sockets`)
    const opened = await swarm.open({ url: wsUrl, tokens, concurrency: 100, readyType })
    if (opened.failed) throw new Error(`${opened.failed} of ${tokens.length} sockets failed: ${opened.firstError}`)
    const after = await settledRss(pid)
    const mib = 2 ** 20
    return {
      scenario: SCENARIO,
      shape: ctx.shape,
      target: target.kind,
      metrics: {
        rssPerSocketKB: round((after - before) / tokens.length / 1024),
        rssBeforeMiB: round(before / mib),
        rssAfterMiB: round(after / mib),
        sockets: opened.opened,
        socketsOpenedPerSec: round(opened.opened / (opened.ms / 1000)),
      },
      note,
    }
  } finally {
    await swarm.close()
  }
}
