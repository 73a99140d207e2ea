import { describe, expect, it } from 'vitest'
import { DEFAULT_BACKOFF, type SocketEvent } from '@jim/client'
import { fakeJimSocket, msg } from './fake-socket.js'

function setup(options: { random?: () => number; gapWaitMs?: number; modSeqOf?: (id: string) => number | undefined } = {}) {
  const events: SocketEvent[] = []
  const fake = fakeJimSocket({
    random: options.random ?? (() => 0.5),
    gapWaitMs: options.gapWaitMs ?? 3000,
    ...(options.modSeqOf ? { modSeqOf: options.modSeqOf } : {}),
  })
  const { socket } = fake
  socket.subscribe((e) => events.push(e))
  const delivered = () =>
    events.filter((e) => e.kind === 'message').map((e) => (e.kind === 'message' ? `${e.message.conversationId}:${e.message.seq}` : ''))
  return { ...fake, events, delivered }
}

describe('JimSocket', () => {
  it('should authenticate with a first frame and never put the token in the URL', () => {
    const { socket, last } = setup()
    socket.start('secret-token')
    expect(last().url).toBe('ws://chat.test/api/v1/ws')
    expect(last().url).not.toContain('secret')
    last().open()
    expect(last().sent[0]).toEqual({ type: 'auth', token: 'secret-token' })
    expect(socket.state).toBe('connecting')
    last().ready()
    expect(socket.state).toBe('connected')
  })

  it('should resume from the seeded positions when ready', () => {
    const { socket, last, connect } = setup()
    socket.sequencer.seed('a', 4)
    socket.sequencer.seed('b', 0)
    socket.start('t')
    connect()
    expect(last().sentOfType('resume')).toEqual([{ type: 'resume', positions: { a: 4, b: 0 } }])
  })

  it('should resume with {seq, modSeq} where the modSeq is known, so edits and recalls made offline come too', () => {
    const modSeqs: Record<string, number> = { a: 9, b: 0 }
    const { socket, last, connect } = setup({ modSeqOf: (id) => modSeqs[id] })
    socket.sequencer.seed('a', 4)
    socket.sequencer.seed('b', 2)
    socket.sequencer.seed('c', 1)
    socket.start('t')
    connect()
    expect(last().sentOfType('resume')).toEqual([
      { type: 'resume', positions: { a: { seq: 4, modSeq: 9 }, b: { seq: 2, modSeq: 0 }, c: 1 } },
    ])
  })

  it('should reconnect with exponential backoff and jitter, and reset the backoff once connected', () => {
    const { socket, sockets, timers, connect, last, events } = setup({ random: () => 0 })
    socket.start('t')
    connect()
    last().drop(1006)
    expect(socket.state).toBe('disconnected')
    // random 0 => the lowest wait: half the ceiling
    expect(timers.pending()).toContain(DEFAULT_BACKOFF.baseMs / 2)
    timers.advance(DEFAULT_BACKOFF.baseMs / 2)
    expect(sockets).toHaveLength(2)
    last().drop(1006) // server still down
    expect(timers.pending()).toContain(DEFAULT_BACKOFF.baseMs)
    timers.advance(DEFAULT_BACKOFF.baseMs)
    last().drop(1006)
    expect(timers.pending()).toContain(DEFAULT_BACKOFF.baseMs * 2)
    timers.advance(DEFAULT_BACKOFF.baseMs * 2)
    expect(sockets).toHaveLength(4)
    connect()
    expect(socket.state).toBe('connected')
    const ready = events.filter((e) => e.kind === 'ready')
    expect(ready.map((e) => e.kind === 'ready' && e.reconnected)).toEqual([false, true])
    last().drop(1001)
    expect(timers.pending()).toContain(DEFAULT_BACKOFF.baseMs / 2)
  })

  it('should announce when the next attempt happens, for the banner', () => {
    const { socket, timers, connect, last, events } = setup({ random: () => 1 })
    socket.start('t')
    connect()
    last().drop()
    const state = events.filter((e) => e.kind === 'state').pop()
    expect(state).toMatchObject({ kind: 'state', state: 'disconnected', stopped: false, retryAt: timers.now() + DEFAULT_BACKOFF.baseMs })
  })

  it('should lose and double nothing across a reconnect: resume from the last delivered seq, drop replays', () => {
    const { socket, connect, last, timers, delivered } = setup()
    socket.sequencer.seed('a', 0)
    socket.start('t')
    connect()
    last().push({ type: 'message.created', message: msg('a', 1) })
    last().push({ type: 'message.created', message: msg('a', 2) })
    last().drop()
    timers.advance(DEFAULT_BACKOFF.maxMs)
    connect()
    expect(last().sentOfType('resume')).toEqual([{ type: 'resume', positions: { a: 2 } }])
    // the server replays with an overlap and the live stream continues
    for (const seq of [2, 3, 4]) last().push({ type: 'message.created', message: msg('a', seq) })
    last().push({ type: 'resumed', positions: { a: 4 } })
    last().push({ type: 'message.created', message: msg('a', 4) })
    last().push({ type: 'message.created', message: msg('a', 5) })
    expect(delivered()).toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'a:5'])
  })

  it('should resume just the conversation with a hole, and deliver in order once filled', () => {
    const { socket, connect, last, delivered, events } = setup()
    socket.sequencer.seed('a', 10)
    socket.sequencer.seed('b', 3)
    socket.start('t')
    connect()
    last().sent.length = 0
    last().push({ type: 'message.created', message: msg('a', 13) })
    last().push({ type: 'message.created', message: msg('a', 14) })
    expect(last().sentOfType('resume')).toEqual([{ type: 'resume', positions: { a: 10 } }])
    expect(delivered()).toEqual([])
    for (const seq of [11, 12, 13, 14]) last().push({ type: 'message.created', message: msg('a', seq) })
    last().push({ type: 'resumed', positions: { a: 14 } })
    expect(delivered()).toEqual(['a:11', 'a:12', 'a:13', 'a:14'])
    expect(events.some((e) => e.kind === 'repair')).toBe(false)
  })

  it('should ask the client to page history when a hole is not filled in time', () => {
    const { socket, connect, last, timers, events, delivered } = setup({ gapWaitMs: 2000 })
    socket.sequencer.seed('a', 1)
    socket.start('t')
    connect()
    last().push({ type: 'message.created', message: msg('a', 5) })
    timers.advance(1999)
    expect(events.filter((e) => e.kind === 'repair')).toHaveLength(0)
    timers.advance(1)
    expect(events.filter((e) => e.kind === 'repair')).toEqual([{ kind: 'repair', conversationId: 'a', lastSeq: null }])
    // history filled 2..4: the held message follows
    socket.advance('a', 4)
    expect(delivered()).toEqual(['a:5'])
  })

  it('should turn resync_required into a repair with the server last seq', () => {
    const { socket, connect, last, events } = setup()
    socket.start('t')
    connect()
    last().push({ type: 'resync_required', conversationId: 'a', lastSeq: 9000 })
    expect(events.filter((e) => e.kind === 'repair')).toEqual([{ kind: 'repair', conversationId: 'a', lastSeq: 9000 }])
  })

  it('should send resume when the server asks to sync', () => {
    const { socket, connect, last } = setup()
    socket.sequencer.seed('a', 7)
    socket.start('t')
    connect()
    last().sent.length = 0
    last().push({ type: 'sync' })
    expect(last().sent).toEqual([{ type: 'resume', positions: { a: 7 } }])
  })

  it('should stop for good when the session is revoked', () => {
    const { socket, connect, last, timers, sockets, events } = setup()
    socket.start('t')
    connect()
    last().push({ type: 'session.revoked', reason: 'signed_out' })
    expect(events.filter((e) => e.kind === 'revoked')).toEqual([{ kind: 'revoked', reason: 'signed_out' }])
    expect(socket.state).toBe('disconnected')
    expect(socket.running).toBe(false)
    timers.advance(60_000)
    expect(sockets).toHaveLength(1)
  })

  it('should treat close code 4001 as signed out', () => {
    const { socket, last, timers, sockets, events } = setup()
    socket.start('bad')
    last().open()
    last().drop(4001)
    expect(events.some((e) => e.kind === 'revoked')).toBe(true)
    timers.advance(60_000)
    expect(sockets).toHaveLength(1)
  })

  it('should replace a link that went silent for 2.5 heartbeats', () => {
    const { socket, last, timers, sockets } = setup({ random: () => 0 })
    socket.start('t')
    last().open()
    last().ready(10)
    timers.advance(10_000)
    expect(last().sentOfType('ping')).toHaveLength(1)
    last().push({ type: 'pong', id: 1 })
    timers.advance(20_000)
    expect(sockets).toHaveLength(1)
    timers.advance(20_000) // nothing heard for > 25 s
    expect(sockets[0]!.closed?.code).toBe(4000)
    timers.advance(DEFAULT_BACKOFF.baseMs)
    expect(sockets).toHaveLength(2)
  })

  it('should not reconnect after stop, and reconnect at once on demand', () => {
    const { socket, connect, last, timers, sockets } = setup()
    socket.start('t')
    connect()
    last().drop()
    socket.reconnectNow()
    expect(sockets).toHaveLength(2)
    connect()
    socket.stop()
    expect(sockets[1]!.closed?.code).toBe(1000)
    timers.advance(60_000)
    expect(sockets).toHaveLength(2)
  })

  it('should pass other frames through untouched', () => {
    const { socket, connect, last, events } = setup()
    socket.start('t')
    connect()
    last().push({ type: 'presence', userId: 'u9', status: 'online', connected: true })
    expect(events.filter((e) => e.kind === 'frame')).toEqual([
      { kind: 'frame', frame: { type: 'presence', userId: 'u9', status: 'online', connected: true } },
    ])
  })
})

describe('JimSocket recovery by modSeq', () => {
  it('should remember the modSeq of edits, recalls and conversation updates, and resume from it after a reconnect', () => {
    const { socket, connect, last, timers } = setup()
    socket.seed('a', 3, 5)
    socket.seed('b', 1)
    socket.start('t')
    connect()
    expect(last().sentOfType('resume')).toEqual([{ type: 'resume', positions: { a: { seq: 3, modSeq: 5 }, b: 1 } }])
    last().push({ type: 'message.updated', message: msg('b', 1, { modSeq: 4, editedAt: new Date().toISOString() }) })
    last().push({ type: 'message.recalled', message: msg('a', 2, { modSeq: 9 }) })
    last().push({ type: 'message.updated', message: msg('a', 1, { modSeq: 7 }) }) // older: kept at 9
    last().drop()
    timers.advance(DEFAULT_BACKOFF.baseMs)
    connect()
    expect(last().sentOfType('resume')).toEqual([{ type: 'resume', positions: { a: { seq: 3, modSeq: 9 }, b: { seq: 1, modSeq: 4 } } }])
  })
})
