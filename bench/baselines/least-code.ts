/**
 * Baseline 1, "least code": node:http + one SQL transaction + a `ws` push; no auth (the sender is
 * the `x-user-id` header, the socket's user the `?user=` query). What a team writes in an afternoon.
 *
 *   POST /conversations {members: [a, b]}            -> 201 {id}
 *   POST /conversations/:id/messages {clientMsgId, content}  (x-user-id) -> 201 {message} (200 on a retry)
 *   GET  /ws?user=<id>: pushes {type: 'message.created', message}; accepts
 *        {type: 'message.send', ref, conversationId, clientMsgId, content} -> {type: 'message.ack', ref, message}
 *
 * Env: PORT, BENCH_DB_URL (see chat-store.ts); with BENCH_REDIS_URL, processes share pushes over
 * Redis pub/sub (channel `${BENCH_REDIS_PREFIX}chat`), so a receiver may sit on another process.
 */
import http from 'node:http'
import { Redis } from 'ioredis'
import { WebSocketServer, type WebSocket } from 'ws'
import { openChatStore, validateSend } from './chat-store.js'

const store = await openChatStore(process.env.BENCH_DB_URL!)
const sockets = new Map<string, Set<WebSocket>>()

function deliverLocal(userId: string, frame: string) {
  for (const ws of sockets.get(userId) ?? []) ws.send(frame)
}

let push = deliverLocal
if (process.env.BENCH_REDIS_URL) {
  const channel = `${process.env.BENCH_REDIS_PREFIX ?? ''}chat`
  const pub = new Redis(process.env.BENCH_REDIS_URL)
  const sub = new Redis(process.env.BENCH_REDIS_URL)
  await sub.subscribe(channel)
  sub.on('message', (_channel, payload: string) => {
    const at = payload.indexOf('\n')
    deliverLocal(payload.slice(0, at), payload.slice(at + 1))
  })
  push = (userId, frame) => void pub.publish(channel, `${userId}\n${frame}`)
}

async function send(conversationId: string, senderId: string, body: any) {
  const checked = await validateSend(store, conversationId, senderId, body)
  if ('status' in checked) return checked
  const { message, created } = await store.send(conversationId, senderId, body.clientMsgId, body.content)
  if (created) push(checked.recipient, JSON.stringify({ type: 'message.created', message }))
  return { status: created ? 201 : 200, message }
}

function readJson(req: http.IncomingMessage): Promise<any> {
  return new Promise((resolve) => {
    let text = ''
    req.on('data', (c) => (text += c))
    req.on('end', () => {
      try {
        resolve(JSON.parse(text))
      } catch {
        resolve(undefined)
      }
    })
  })
}

const server = http.createServer(async (req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  try {
    if (req.url === '/healthz') return reply(200, { ok: true })
    const m = /^\/conversations\/(\d+)\/messages$/.exec(req.url ?? '')
    if (req.method === 'POST' && m) {
      const result = await send(m[1]!, String(req.headers['x-user-id']), await readJson(req))
      return 'code' in result ? reply(result.status, { code: result.code }) : reply(result.status, { message: result.message })
    }
    if (req.method === 'POST' && req.url === '/conversations') {
      const body = await readJson(req)
      return reply(201, { id: await store.createConversation(body.members[0], body.members[1]) })
    }
    reply(404, { code: 'route.not_found' })
  } catch (err) {
    console.error(err)
    reply(500, { code: 'internal' })
  }
})

const wss = new WebSocketServer({ server, path: '/ws' })
wss.on('connection', (ws, req) => {
  const userId = new URL(req.url!, 'http://x').searchParams.get('user')!
  let mine = sockets.get(userId)
  if (!mine) sockets.set(userId, (mine = new Set()))
  mine.add(ws)
  ws.on('close', () => mine.delete(ws))
  ws.on('message', async (data) => {
    const frame = JSON.parse(data.toString())
    if (frame.type !== 'message.send') return
    try {
      const result = await send(frame.conversationId, userId, frame)
      ws.send(
        JSON.stringify(
          'code' in result
            ? { type: 'error', ref: frame.ref, code: result.code }
            : { type: 'message.ack', ref: frame.ref, message: result.message },
        ),
      )
    } catch (err) {
      console.error(err)
      ws.send(JSON.stringify({ type: 'error', ref: frame.ref, code: 'internal' }))
    }
  })
})

server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
