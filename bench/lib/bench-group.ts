import type { BenchHttp } from './bench-client.js'
import type { RunningTarget } from './scenario.js'
import type { Swarm } from './swarm.js'
import type { BenchUser } from './users.js'

/** `owner` creates an open group that everyone in `members` joins; returns its ids. */
export async function createOpenGroup(http: BenchHttp, owner: BenchUser, members: BenchUser[], concurrency = 16) {
  const created = await http.request('POST', '/groups', { name: 'Bench group', joinPolicy: 'open' }, owner.token)
  if (created.status !== 201) throw new Error(`create group: ${created.status} ${JSON.stringify(created.body)}`)
  const group = created.body.group as { id: string; conversationId: string }
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < members.length) {
        const u = members[next++]!
        if (u.id === owner.id) continue
        const res = await http.request('POST', `/groups/${group.id}/join`, {}, u.token)
        if (res.status >= 300) throw new Error(`join: ${res.status} ${JSON.stringify(res.body)}`)
      }
    }),
  )
  return group
}

/** Opens one socket per user, spread over the instances (in a cluster most pushes cross the broker). */
export async function openMemberSockets(swarm: Swarm, target: RunningTarget, users: BenchUser[]): Promise<void> {
  for (const [i, instance] of target.instances.entries()) {
    const mine = users.filter((_, j) => j % target.instances.length === i)
    const opened = await swarm.open({ url: instance.wsUrl, tokens: mine.map((u) => u.token), concurrency: 50, readyType: 'ready' })
    if (opened.failed) throw new Error(`${opened.failed} sockets failed: ${opened.firstError}`)
  }
}

/** Sends a text message through REST; returns its seq, throws unless it was stored. */
export async function sendText(
  http: BenchHttp,
  conversationId: string,
  sender: BenchUser,
  clientMsgId: string,
  text: string,
): Promise<number> {
  const res = await http.request(
    'POST',
    `/conversations/${conversationId}/messages`,
    { clientMsgId, type: 'text', content: { text } },
    sender.token,
  )
  if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.message.seq
}
