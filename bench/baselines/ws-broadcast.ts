/**
 * Baseline 3: a raw `ws` broadcast server (no persistence, no auth), the ceiling for fan-out.
 *
 *   GET  /ws?room=<room>: joins the room; a frame {type: 'publish', room, data} sends `data`
 *        (JSON-encoded once) to every other socket in that room
 *   POST /rooms/:room/publish <json>  -> 202 {sockets}: sends the body to every socket in the room
 *
 * Env: PORT. Started by the runner as target 'ws-broadcast' (one process).
 */
import http from 'node:http'
import { WebSocketServer, type WebSocket } from 'ws'

const rooms = new Map<string, Set<WebSocket>>()

function broadcast(room: string, frame: string, except?: WebSocket): number {
  let n = 0
  for (const ws of rooms.get(room) ?? []) {
    if (ws === except) continue
    ws.send(frame)
    n++
  }
  return n
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('{"ok":true}')
  const m = /^\/rooms\/([^/]+)\/publish$/.exec(req.url ?? '')
  if (req.method !== 'POST' || !m) {
    res.writeHead(404)
    return void res.end()
  }
  let body = ''
  req.on('data', (c) => (body += c))
  req.on('end', () => {
    const sockets = broadcast(decodeURIComponent(m[1]!), body)
    res.writeHead(202, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ sockets }))
  })
})

const wss = new WebSocketServer({ server, path: '/ws' })
wss.on('connection', (ws, req) => {
  const room = new URL(req.url!, 'http://x').searchParams.get('room') ?? 'default'
  let members = rooms.get(room)
  if (!members) rooms.set(room, (members = new Set()))
  members.add(ws)
  ws.on('close', () => members.delete(ws))
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString())
    if (frame.type === 'publish') broadcast(String(frame.room), JSON.stringify(frame.data), ws)
  })
})

server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
