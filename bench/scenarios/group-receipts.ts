import type WebSocket from 'ws'
import { BenchHttp, openSocket, round, summarize } from '../lib/bench-client.js'
import { createUsers } from '../lib/users.js'

/**
 * One open group with `members` members, all online. `senders` members send one message a
 * second each; every member marks read as soon as a message arrives. Measures receipt frames
 * pushed per second (must stay O(members), not O(members²)) and message latency p99.
 */
export async function groupReceipts(o: { urls: string[]; wsUrls: string[]; members: number; seconds: number; senders: number }) {
  const http = new BenchHttp(o.urls[0]!, 256)
  const users = await createUsers(http, `gr${Date.now().toString(36)}_`, o.members)
  const owner = users[0]!
  const created = await http.request('POST', '/groups', { name: 'Bench group', joinPolicy: 'open' }, owner.token)
  if (created.status !== 201) throw new Error(`create group: ${created.status} ${JSON.stringify(created.body)}`)
  const group = created.body.group
  let i = 1
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (i < users.length) {
        const u = users[i++]!
        const res = await http.request('POST', `/groups/${group.id}/join`, {}, u.token)
        if (res.status >= 300) throw new Error(`join: ${res.status} ${JSON.stringify(res.body)}`)
      }
    }),
  )

  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  let receiptFrames = 0
  let typingOrOther = 0
  let errors = 0
  let measuring = false
  const sockets: WebSocket[] = []
  for (const [index, u] of users.entries()) {
    sockets.push(
      await openSocket(o.wsUrls[index % o.wsUrls.length]!, u.token, (frame, at) => {
        if (!measuring) return
        if (frame.type === 'conversation.read') receiptFrames++
        else if (frame.type === 'message.created') {
          const start = sentAt.get(frame.message.clientMsgId)
          if (start !== undefined) latencies.push(at - start)
          http.request('POST', `/conversations/${group.conversationId}/read`, { seq: frame.message.seq }, u.token).catch(() => errors++)
        } else typingOrOther++
      }),
    )
  }

  measuring = true
  const start = performance.now()
  let n = 0
  const senders = users.slice(0, o.senders)
  while (performance.now() - start < o.seconds * 1000) {
    for (const s of senders) {
      const clientMsgId = `g${++n}`
      sentAt.set(clientMsgId, performance.now())
      http
        .request(
          'POST',
          `/conversations/${group.conversationId}/messages`,
          { clientMsgId, type: 'text', content: { text: 'tick ' + n } },
          s.token,
        )
        .catch(() => errors++)
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
  await new Promise((r) => setTimeout(r, 2000))
  const elapsed = (performance.now() - start) / 1000
  measuring = false
  for (const s of sockets) s.close()
  http.close()
  return {
    scenario: 'group-receipts',
    members: o.members,
    senders: o.senders,
    messagesSent: n,
    messageDeliveries: latencies.length,
    receiptFramesPerSecond: round(receiptFrames / elapsed),
    receiptFramesPerMessage: round(receiptFrames / Math.max(1, n)),
    naiveReceiptFramesPerMessage: o.members * o.members,
    otherFrames: typingOrOther,
    requestErrors: errors,
    messageLatencyMs: summarize(latencies),
  }
}
