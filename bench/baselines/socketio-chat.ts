/**
 * Baseline 2: the same chat on Express + Socket.IO (persist, then emit to the recipient's room),
 * with `@socket.io/redis-adapter` when several processes share Redis. Same SQL as least-code.ts.
 *
 *   POST /conversations {members: [a, b]}                              -> 201 {id}
 *   POST /conversations/:id/messages {clientMsgId, content} (x-user-id) -> 201 {message} (200 on a retry)
 *   Socket.IO with auth {userId}: emits 'message.created' (message); 'message.send'
 *   ({conversationId, clientMsgId, content}, ack) acks with {message} or {code}
 *
 * Env: PORT, BENCH_DB_URL, BENCH_REDIS_URL, BENCH_REDIS_PREFIX.
 */
import http from 'node:http'
import { createAdapter } from '@socket.io/redis-adapter'
import express from 'express'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'
import { openChatStore, validateSend } from './chat-store.js'

const store = await openChatStore(process.env.BENCH_DB_URL!)
const app = express()
app.use(express.json())
const server = http.createServer(app)
const io = new Server(server)
if (process.env.BENCH_REDIS_URL) {
  const pub = new Redis(process.env.BENCH_REDIS_URL)
  io.adapter(createAdapter(pub, pub.duplicate(), { key: `${process.env.BENCH_REDIS_PREFIX ?? ''}socket.io` }))
}

async function send(conversationId: string, senderId: string, body: any) {
  const checked = await validateSend(store, conversationId, senderId, body)
  if ('status' in checked) return checked
  const { message, created } = await store.send(conversationId, senderId, body.clientMsgId, body.content)
  if (created) io.to(`user:${checked.recipient}`).emit('message.created', message)
  return { status: created ? 201 : 200, message }
}

app.get('/healthz', (_req, res) => {
  res.json({ ok: true })
})
app.post('/conversations', async (req, res) => {
  res.status(201).json({ id: await store.createConversation(req.body.members[0], req.body.members[1]) })
})
app.post('/conversations/:id/messages', async (req, res) => {
  try {
    const result = await send(req.params.id, String(req.get('x-user-id')), req.body)
    if ('code' in result) res.status(result.status).json({ code: result.code })
    else res.status(result.status).json({ message: result.message })
  } catch (err) {
    console.error(err)
    res.status(500).json({ code: 'internal' })
  }
})

io.on('connection', (socket) => {
  const userId = String(socket.handshake.auth.userId)
  void socket.join(`user:${userId}`)
  socket.on('message.send', async (frame, ack) => {
    try {
      const result = await send(frame.conversationId, userId, frame)
      ack('code' in result ? { code: result.code } : { message: result.message })
    } catch (err) {
      console.error(err)
      ack({ code: 'internal' })
    }
  })
})

server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
