/**
 * One load generator, several servers: a ChatClient knows how to set up pairs of friends with
 * their direct conversation on one target, send on REST or on the socket, and turn what a
 * receiver's socket gets into (conversationId, seq, clientMsgId). Senders use the target's first
 * instance, receivers the second (the first when there is one).
 */
import { JimClient } from '@jim/client'
import { io as ioClient, type Socket } from 'socket.io-client'
import WebSocket from 'ws'
import { BenchHttp } from './bench-client.js'
import type { RunningTarget, TargetKind } from './scenario.js'
import { createUsers, pair, type BenchUser } from './users.js'

export interface ChatPair {
  index: number
  conversationId: string
  sender: string
  receiver: string
}

export interface SentMessage {
  conversationId: string
  seq: number
  clientMsgId: string
}

export type OnMessage = (m: SentMessage, at: number) => void

export interface ChatClient {
  readonly kind: TargetKind
  setup(pairs: number): Promise<ChatPair[]>
  /** opens the receiver's socket (on the receivers' instance) */
  listen(pair: ChatPair, onMessage: OnMessage): Promise<void>
  sendRest(pair: ChatPair, clientMsgId: string, text: string): Promise<SentMessage>
  /** opens the senders' sockets; returns why not when this server takes no sends on its socket */
  openSendSockets(pairs: ChatPair[]): Promise<string | null>
  sendWs(pair: ChatPair, clientMsgId: string, text: string): Promise<SentMessage>
  close(): Promise<void>
}

export function chatClient(target: RunningTarget): ChatClient {
  if (target.kind === 'jim') return new JimChatClient(target)
  if (target.kind === 'least-code') return new LeastCodeClient(target)
  if (target.kind === 'socketio') return new SocketIoClient(target)
  throw new Error(`${target.kind} is not a chat server`)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const toSent = (m: any): SentMessage => ({ conversationId: String(m.conversationId), seq: Number(m.seq), clientMsgId: m.clientMsgId })

/** Runs fn over items with `concurrency` in flight. */
export async function inParallel<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        await fn(items[i]!, i)
      }
    }),
  )
}

/** Frames answered by `{type: 'message.ack' | 'error', ref}` on a raw WebSocket. */
class RefSocket {
  #pending = new Map<string, { resolve: (m: any) => void; reject: (e: Error) => void }>()
  #ref = 0
  /** set once the socket is open (frames may arrive before the constructor returns) */
  ws: WebSocket | undefined

  /** called with every frame the socket gets; true when it answered a pending request */
  settle(frame: any): boolean {
    const ref = frame.ref ?? (frame.type === 'error' ? frame.replyTo : undefined)
    const p = ref === undefined || ref === null ? undefined : this.#pending.get(String(ref))
    if (!p) return false
    this.#pending.delete(String(ref))
    if (frame.type === 'message.ack') p.resolve(frame.message)
    else p.reject(Object.assign(new Error(`${frame.code}: ${frame.message ?? ''}`), { frame }))
    return true
  }

  request(frame: Record<string, unknown>): Promise<any> {
    const ref = `r${++this.#ref}`
    return new Promise((resolve, reject) => {
      this.#pending.set(ref, { resolve, reject })
      this.ws!.send(JSON.stringify({ ...frame, ref }))
    })
  }
}

/**
 * JIM through its SDK, as a bot would run: each user a `JimClient` from @jim/client (REST on the
 * bench's keep-alive node:http agent, socket from "ws"). Receivers count what the SDK delivers
 * (in seq order, deduplicated, holes resumed); socket sends go through its outbox (one try each,
 * so a refusal counts as an error instead of being retried).
 */
class JimChatClient implements ChatClient {
  readonly kind = 'jim' as const
  readonly #http: BenchHttp
  /** one keep-alive agent per instance (a BenchHttp talks to one origin) */
  readonly #instanceHttp = new Map<string, BenchHttp>()
  readonly #users = new Map<string, BenchUser>()
  readonly #clients = new Map<string, JimClient>()

  constructor(private readonly target: RunningTarget) {
    this.#http = new BenchHttp(target.instances[0]!.url, 256)
  }

  /** The user's client on this instance (senders: the first, receivers: the second when there is one). */
  #client(userId: string, instance = 0): JimClient {
    let client = this.#clients.get(userId)
    if (!client) {
      const { url } = this.target.instances[instance % this.target.instances.length]!
      let http = instance % this.target.instances.length === 0 ? this.#http : this.#instanceHttp.get(url)
      if (!http) this.#instanceHttp.set(url, (http = new BenchHttp(url, 256)))
      client = new JimClient({ baseUrl: url, WebSocket, fetch: http.fetch, sendAttempts: 1 })
      client.api.token = this.#users.get(userId)!.token
      this.#clients.set(userId, client)
    }
    return client
  }

  async setup(n: number): Promise<ChatPair[]> {
    const users = await createUsers(this.#http, `b${Date.now().toString(36)}_`, n * 2, 16)
    for (const u of users) this.#users.set(u.id, u)
    const pairs: ChatPair[] = new Array(n)
    await inParallel(
      Array.from({ length: n }, (_, i) => i),
      16,
      async (i) => {
        const [a, b] = [users[2 * i]!, users[2 * i + 1]!]
        pairs[i] = { index: i, conversationId: await pair(this.#http, a, b), sender: a.id, receiver: b.id }
      },
    )
    return pairs
  }

  async listen(p: ChatPair, onMessage: OnMessage): Promise<void> {
    const client = this.#client(p.receiver, 1)
    client.on('message', (m) => onMessage(toSent(m), performance.now()))
    await client.connect()
  }

  async sendRest(p: ChatPair, clientMsgId: string, text: string): Promise<SentMessage> {
    const { message } = await this.#client(p.sender).api.send(p.conversationId, { clientMsgId, type: 'text', content: { text } })
    return toSent(message)
  }

  async openSendSockets(pairs: ChatPair[]): Promise<string | null> {
    for (const p of pairs) {
      const client = this.#client(p.sender)
      await client.connect()
      if (p !== pairs[0]) continue
      // probe with a conversation that does not exist: a server that knows message.send
      // answers with the probe's ref, an older one with "Unknown frame type" (no ref)
      const probe = client.outbox.send({ conversationId: '0', clientMsgId: 'probe', type: 'text', content: { text: 'probe' } })
      const answer = await Promise.race([
        probe.then(
          () => 'acked',
          () => 'refused',
        ),
        sleep(3000).then(() => 'timeout'),
      ])
      client.outbox.clear()
      if (answer === 'timeout') return 'not supported by this server (no message.send on the socket)'
    }
    return null
  }

  async sendWs(p: ChatPair, clientMsgId: string, text: string): Promise<SentMessage> {
    return toSent(
      await this.#client(p.sender).outbox.send({ conversationId: p.conversationId, clientMsgId, type: 'text', content: { text } }),
    )
  }

  async close(): Promise<void> {
    for (const client of this.#clients.values()) client.close()
    this.#http.close()
    for (const http of this.#instanceHttp.values()) http.close()
  }
}

/** The REST side both baselines share (same routes, the sender in `x-user-id`). */
abstract class BaselineClient {
  protected readonly http: BenchHttp

  constructor(protected readonly target: RunningTarget) {
    this.http = new BenchHttp(target.instances[0]!.url, 256, '')
  }

  async setup(n: number): Promise<ChatPair[]> {
    const pairs: ChatPair[] = []
    for (let i = 0; i < n; i++) {
      const [sender, receiver] = [`u${2 * i}`, `u${2 * i + 1}`]
      const res = await this.http.request('POST', '/conversations', { members: [sender, receiver] })
      pairs.push({ index: i, conversationId: res.body.id, sender, receiver })
    }
    return pairs
  }

  async sendRest(p: ChatPair, clientMsgId: string, text: string): Promise<SentMessage> {
    const res = await this.http.request(
      'POST',
      `/conversations/${p.conversationId}/messages`,
      { clientMsgId, content: { text } },
      undefined,
      {
        'x-user-id': p.sender,
      },
    )
    if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`)
    return toSent(res.body.message)
  }
}

class LeastCodeClient extends BaselineClient implements ChatClient {
  readonly kind = 'least-code' as const
  readonly #sockets: WebSocket[] = []
  readonly #senders = new Map<string, RefSocket>()

  #open(url: string, onFrame: (frame: any, at: number) => void): Promise<WebSocket> {
    const ws = new WebSocket(url)
    this.#sockets.push(ws)
    ws.on('message', (data) => onFrame(JSON.parse(data.toString()), performance.now()))
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws))
      ws.once('error', reject)
    })
  }

  async listen(p: ChatPair, onMessage: OnMessage): Promise<void> {
    const instances = this.target.instances
    await this.#open(`${instances[1 % instances.length]!.wsUrl}?user=${p.receiver}`, (frame, at) => {
      if (frame.type === 'message.created') onMessage(toSent(frame.message), at)
    })
  }

  async openSendSockets(pairs: ChatPair[]): Promise<string | null> {
    for (const p of pairs) {
      const rs = new RefSocket()
      rs.ws = await this.#open(`${this.target.instances[0]!.wsUrl}?user=${p.sender}`, (frame) => rs.settle(frame))
      this.#senders.set(p.sender, rs)
    }
    return null
  }

  async sendWs(p: ChatPair, clientMsgId: string, text: string): Promise<SentMessage> {
    return toSent(
      await this.#senders
        .get(p.sender)!
        .request({ type: 'message.send', conversationId: p.conversationId, clientMsgId, content: { text } }),
    )
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.close()
    this.http.close()
  }
}

class SocketIoClient extends BaselineClient implements ChatClient {
  readonly kind = 'socketio' as const
  readonly #sockets: Socket[] = []
  readonly #senders = new Map<string, Socket>()

  #open(url: string, userId: string): Promise<Socket> {
    const socket = ioClient(url, { auth: { userId }, transports: ['websocket'], reconnection: false })
    this.#sockets.push(socket)
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket))
      socket.once('connect_error', reject)
    })
  }

  async listen(p: ChatPair, onMessage: OnMessage): Promise<void> {
    const instances = this.target.instances
    const socket = await this.#open(instances[1 % instances.length]!.wsUrl, p.receiver)
    socket.on('message.created', (m) => onMessage(toSent(m), performance.now()))
  }

  async openSendSockets(pairs: ChatPair[]): Promise<string | null> {
    for (const p of pairs) this.#senders.set(p.sender, await this.#open(this.target.instances[0]!.wsUrl, p.sender))
    return null
  }

  async sendWs(p: ChatPair, clientMsgId: string, text: string): Promise<SentMessage> {
    const res = await this.#senders
      .get(p.sender)!
      .timeout(30_000)
      .emitWithAck('message.send', { conversationId: p.conversationId, clientMsgId, content: { text } })
    if (!res.message) throw new Error(`send: ${res.code}`)
    return toSent(res.message)
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.disconnect()
    this.http.close()
  }
}
