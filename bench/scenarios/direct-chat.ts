import type WebSocket from 'ws'
import { BenchHttp, openSocket, round, summarize } from '../lib/bench-client.js'
import { createUsers, pair } from '../lib/users.js'

export interface DirectChatOptions {
  /** one per instance: senders use them round-robin, receivers the next one (cross-instance delivery) */
  urls: string[]
  wsUrls: string[]
  pairs: number
  seconds: number
  rate: number
  label: string
}

/**
 * K pairs of friends on WebSockets; one of each pair sends direct messages through REST.
 * Phase 1, full speed: each sender sends as fast as its previous send is acknowledged.
 * Phase 2, fixed rate: `rate` messages/s in total, open loop. Latency is send start ->
 * `message.created` on the receiver's socket.
 */
export async function directChat(o: DirectChatOptions) {
  const http = new BenchHttp(o.urls[0]!, o.pairs * 2)
  const senders = o.urls.map((url) => new BenchHttp(url, o.pairs * 2))
  const users = await createUsers(http, `dc${Date.now().toString(36)}_`, o.pairs * 2)
  const pairs: Array<{ sender: (typeof users)[number]; conversationId: string; via: BenchHttp }> = []
  for (let i = 0; i < o.pairs; i++) {
    pairs.push({
      sender: users[2 * i]!,
      conversationId: await pair(http, users[2 * i]!, users[2 * i + 1]!),
      via: senders[i % senders.length]!,
    })
  }

  const sentAt = new Map<string, number>()
  let latencies: number[] = []
  const sockets: WebSocket[] = []
  for (let i = 0; i < o.pairs; i++) {
    sockets.push(
      await openSocket(o.wsUrls[(i + 1) % o.wsUrls.length]!, users[2 * i + 1]!.token, (frame, at) => {
        if (frame.type !== 'message.created') return
        const start = sentAt.get(frame.message.clientMsgId)
        if (start !== undefined) {
          latencies.push(at - start)
          sentAt.delete(frame.message.clientMsgId)
        }
      }),
    )
  }

  let n = 0
  const send = async (p: (typeof pairs)[number]) => {
    const clientMsgId = `b${++n}`
    sentAt.set(clientMsgId, performance.now())
    const res = await p.via.request(
      'POST',
      `/conversations/${p.conversationId}/messages`,
      { clientMsgId, type: 'text', content: { text: 'hello from the bench ' + n } },
      p.sender.token,
    )
    if (res.status !== 201) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`)
  }

  // phase 1: full speed (closed loop per sender)
  const fullEnd = performance.now() + o.seconds * 1000
  let fullCount = 0
  const fullStart = performance.now()
  await Promise.all(
    pairs.map(async (p) => {
      while (performance.now() < fullEnd) {
        await send(p)
        fullCount++
      }
    }),
  )
  const fullElapsed = (performance.now() - fullStart) / 1000
  await new Promise((r) => setTimeout(r, 500))
  const fullLatency = summarize(latencies)

  // phase 2: fixed rate (open loop, paced every 10 ms)
  latencies = []
  sentAt.clear()
  const perTick = o.rate / 100
  let owed = 0
  let fixedCount = 0
  let errors = 0
  const inflight = new Set<Promise<void>>()
  const fixedStart = performance.now()
  let next = 0
  while (performance.now() - fixedStart < o.seconds * 1000) {
    owed += perTick
    while (owed >= 1) {
      owed--
      const p = send(pairs[next++ % pairs.length]!)
        .then(() => {
          fixedCount++
        })
        .catch(() => {
          errors++
        })
      inflight.add(p)
      void p.finally(() => inflight.delete(p))
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  await Promise.all(inflight)
  const fixedElapsed = (performance.now() - fixedStart) / 1000
  await new Promise((r) => setTimeout(r, 500))
  const fixedLatency = summarize(latencies)

  for (const s of sockets) s.close()
  http.close()
  for (const h of senders) h.close()
  return {
    scenario: 'direct-chat',
    label: o.label,
    pairs: o.pairs,
    fullSpeed: {
      messages: fullCount,
      seconds: round(fullElapsed),
      messagesPerSecond: round(fullCount / fullElapsed),
      latencyMs: fullLatency,
    },
    fixedRate: { targetPerSecond: o.rate, achievedPerSecond: round(fixedCount / fixedElapsed), errors, latencyMs: fixedLatency },
  }
}
