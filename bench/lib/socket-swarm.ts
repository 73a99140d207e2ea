/**
 * Child process that holds many WebSockets for one scenario (`Swarm` in swarm.ts drives it over
 * IPC), so the sockets get their own event loop and open-file limit. Every received frame that
 * carries a bench marker `~b:<id>:<sentAtEpochMs>~` (in a JIM message's text or a raw broadcast)
 * is counted per socket and timed against the sender's clock (same machine).
 */
import WebSocket from 'ws'
import { summarize } from './stats.js'
import { DeliveryTally } from './delivery-tally.js'
import { wallClock } from './marker.js'

export type SwarmCommand =
  | { cmd: 'open'; url: string; tokens: Array<string | null>; concurrency: number; readyType?: string }
  | { cmd: 'arm'; capacity: number; countType?: string }
  | { cmd: 'report'; sent: number; unacknowledged?: number[] }
  | { cmd: 'close' }

const MARKER = /~b:(\d+):([\d.]+)~/
const sockets: WebSocket[] = []
let tally = new DeliveryTally(0)
let armed = false
let latencies: number[] = []
let frames = 0
let markedBytes = 0
let otherFrames = 0
let typeNeedle: string | null = null
let typeFrames = 0
let firstAt = 0
let lastAt = 0
let closedEarly = 0

function onFrame(index: number, data: WebSocket.RawData): void {
  if (!armed) return
  const text = data.toString()
  const m = MARKER.exec(text)
  if (!m) {
    if (typeNeedle !== null && text.includes(typeNeedle)) typeFrames++
    else otherFrames++
    return
  }
  const now = wallClock()
  frames++
  markedBytes += text.length
  if (firstAt === 0) firstAt = now
  lastAt = now
  tally.record(index, Number(m[1]))
  latencies.push(now - Number(m[2]))
}

function openOne(url: string, token: string | null, readyType: string | undefined): Promise<void> {
  const index = sockets.length
  const ws = new WebSocket(url, { perMessageDeflate: false, headers: token ? { authorization: `Bearer ${token}` } : {} })
  sockets.push(ws)
  return new Promise((resolve, reject) => {
    ws.once('error', reject)
    ws.once('close', () => {
      closedEarly++
      reject(new Error('closed before ready'))
    })
    const ready = () => {
      ws.removeAllListeners('close')
      ws.on('close', () => closedEarly++)
      ws.on('message', (data) => onFrame(index, data))
      resolve()
    }
    if (!readyType) ws.once('open', ready)
    else {
      const needle = `"type":"${readyType}"`
      const first = (data: WebSocket.RawData) => {
        if (!data.toString().includes(needle)) return
        ws.off('message', first)
        ready()
      }
      ws.on('message', first)
    }
  })
}

async function open(c: Extract<SwarmCommand, { cmd: 'open' }>) {
  const started = wallClock()
  let next = 0
  let failed = 0
  let firstError: string | undefined
  await Promise.all(
    Array.from({ length: Math.min(c.concurrency, c.tokens.length) }, async () => {
      while (next < c.tokens.length) {
        const token = c.tokens[next++]!
        await openOne(c.url, token, c.readyType).catch((err: Error) => {
          failed++
          firstError ??= err.message
        })
      }
    }),
  )
  return { opened: c.tokens.length - failed, failed, firstError, ms: Math.round(wallClock() - started) }
}

process.on('message', async (raw: SwarmCommand & { id: number }) => {
  let answer: unknown
  try {
    switch (raw.cmd) {
      case 'open':
        answer = await open(raw)
        break
      case 'arm':
        tally = new DeliveryTally(sockets.length, raw.capacity)
        latencies = []
        frames = markedBytes = otherFrames = typeFrames = firstAt = lastAt = 0
        typeNeedle = raw.countType ? `"type":"${raw.countType}"` : null
        armed = true
        answer = { sockets: sockets.length }
        break
      case 'report':
        answer = {
          ...tally.result(raw.sent, new Set(raw.unacknowledged)),
          frames,
          frameBytes: frames ? Math.round(markedBytes / frames) : 0,
          otherFrames,
          typeFrames,
          closedEarly,
          firstAt,
          lastAt,
          latencyMs: summarize(latencies),
        }
        break
      case 'close':
        for (const ws of sockets) ws.terminate()
        answer = { closed: sockets.length }
        setImmediate(() => process.exit(0))
        break
    }
    process.send!({ id: raw.id, ok: true, answer })
  } catch (err) {
    process.send!({ id: raw.id, ok: false, error: (err as Error).message })
  }
})
process.on('disconnect', () => process.exit(0))
