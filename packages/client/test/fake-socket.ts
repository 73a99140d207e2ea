import { JimSocket, type Message, type SocketLike, type SocketOptions, type Timers } from '@jim/client'

/** A WebSocket stand-in: records what the client sends, lets the test play the server. */
export class FakeSocket implements SocketLike {
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  readonly sent: any[] = []
  closed: { code?: number; reason?: string } | null = null

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }

  close(code?: number, reason?: string): void {
    this.closed = { code, reason }
  }

  // server side
  open(): void {
    this.onopen?.({})
  }
  push(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  ready(heartbeatSeconds = 30): void {
    this.push({ type: 'ready', userId: 'u1', sessionId: 's1', connectionId: 'c1', heartbeatSeconds, limits: {} })
  }
  drop(code = 1006): void {
    this.onclose?.({ code, reason: '' })
  }
  sentOfType(type: string): any[] {
    return this.sent.filter((f) => f.type === type)
  }
}

/** Timers the test advances by hand. */
export class ManualTimers implements Timers {
  #now = 1_000_000
  #next = 1
  readonly #tasks = new Map<number, { at: number; fn: () => void }>()

  now(): number {
    return this.#now
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++
    this.#tasks.set(id, { at: this.#now + ms, fn })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.#tasks.delete(handle as number)
  }
  /** delays of pending tasks, from now */
  pending(): number[] {
    return [...this.#tasks.values()].map((t) => t.at - this.#now).sort((a, b) => a - b)
  }
  advance(ms: number): void {
    const until = this.#now + ms
    for (;;) {
      const due = [...this.#tasks.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.#tasks.delete(due[0])
      this.#now = due[1].at
      due[1].fn()
    }
    this.#now = until
  }
}

export function msg(conversationId: string, seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: `${conversationId}-${seq}`,
    conversationId,
    seq,
    senderId: 'u2',
    clientMsgId: `c-${conversationId}-${seq}`,
    type: 'text',
    content: { text: `message ${seq}` },
    createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    editedAt: null,
    recalledAt: null,
    modSeq: 0,
    ...extra,
  }
}

/** A JimSocket on fake sockets and hand-advanced timers; `last()` is the socket it opened last, `connect()` plays open + ready. */
export function fakeJimSocket(options: Partial<SocketOptions> = {}) {
  const timers = new ManualTimers()
  const sockets: FakeSocket[] = []
  const socket = new JimSocket({
    url: 'ws://chat.test/api/v1/ws',
    factory: (url) => {
      const s = new FakeSocket(url)
      sockets.push(s)
      return s
    },
    timers,
    ...options,
  })
  const last = () => sockets[sockets.length - 1]!
  const connect = () => {
    last().open()
    last().ready()
  }
  return { timers, sockets, socket, last, connect }
}
