import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { eventually } from '../helpers/eventually.js'
import { befriend, createGroup, directConversation } from '../helpers/social.js'
import { useDirectChat, useTestApp } from '../helpers/suite-fixtures.js'
import { TestSocket, type Frame } from '../helpers/ws-client.js'

let ids = 0
const connectionOf = (sock: TestSocket): string => sock.all('ready')[0]!.connectionId

/** Sends a call frame with a fresh id and waits for its answer (`call.updated` or `error` with that replyTo). */
async function ask(sock: TestSocket, frame: Record<string, unknown>): Promise<Frame> {
  const id = `c${++ids}`
  sock.send({ ...frame, id })
  return sock.take((f) => f.replyTo === id, `answer to ${String(frame.type)}`)
}

/** The next `call.updated` of this call matching `match`. */
const updated = (sock: TestSocket, callId: string, match: (call: any) => boolean = () => true) =>
  sock.take((f) => f.type === 'call.updated' && f.call.id === callId && match(f.call), `call.updated of ${callId}`)

const systemCallMessage = (sock: TestSocket, callId: string) =>
  sock.take(
    (f) => f.type === 'message.created' && f.message.type === 'system' && f.message.content.callId === callId,
    `call system message ${callId}`,
  )

const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' }

/** Calls over the WebSocket (issue 19): the state machine, signalling relay, limits and the system messages. */
describe('calls: one-to-one', () => {
  const chat = useDirectChat({
    overrides: {
      'calls.signalsPerSecond': 5,
      'calls.stunUrls': 'stun:stun.example.test:3478',
      'calls.turnUrls': 'turn:turn.example.test:3478?transport=udp',
      'calls.turnSecret': 'north-wind-secret',
      'calls.turnTtlSeconds': 600,
    },
  })
  let dave: TestUser

  beforeAll(async () => {
    dave = await createUser(chat.t.url, 'dave')
    await befriend(dave, chat.bob)
  })

  it('should ring every device of the callee, stop the others when one answers, relay signalling to one socket, and end with a system message', async () => {
    const a1 = await chat.open(chat.alice)
    const b1 = await chat.open(chat.bob)
    const b2 = await chat.open(chat.bob)
    const started = await ask(a1, { type: 'call.start', conversationId: chat.conv, media: 'video' })
    expect(started.type).toBe('call.updated')
    const callId = started.call.id
    expect(started.call).toMatchObject({ state: 'ringing', media: 'video', kind: 'direct', initiatorId: chat.alice.id })
    expect(started.call.participants).toEqual([
      expect.objectContaining({ userId: chat.alice.id, state: 'joined', connectionId: connectionOf(a1) }),
      expect.objectContaining({ userId: chat.bob.id, state: 'invited', connectionId: null }),
    ])
    // both of bob's devices ring
    await updated(b1, callId, (c) => c.state === 'ringing')
    await updated(b2, callId, (c) => c.state === 'ringing')

    const answered = await ask(b2, { type: 'call.join', callId })
    expect(answered.call.state).toBe('active')
    // b1 learns it was answered on b2: its ringing stops
    const elsewhere = await updated(b1, callId, (c) => c.state === 'active')
    expect(elsewhere.call.participants.find((p: any) => p.userId === chat.bob.id).connectionId).toBe(connectionOf(b2))
    expect((await ask(b1, { type: 'call.join', callId })).code).toBe('call.answered_elsewhere')

    // the joiner offers; only the addressed socket gets it
    b2.send({ type: 'call.signal', callId, toConnectionId: connectionOf(a1), description: offer })
    const relayed = await a1.next('call.signal')
    expect(relayed).toMatchObject({ callId, fromUserId: chat.bob.id, fromConnectionId: connectionOf(b2), description: offer })
    a1.send({
      type: 'call.signal',
      callId,
      toConnectionId: connectionOf(b2),
      candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0' },
    })
    expect((await b2.next('call.signal')).candidate!.candidate).toContain('10.0.0.1')
    // signalling from a socket that is not in the call, or from a stranger, is refused and relayed nowhere
    b1.send({ type: 'call.signal', callId, toConnectionId: connectionOf(a1), description: offer })
    expect((await b1.next('error')).code).toBe('call.not_in_call')
    const carol = await chat.open(chat.carol)
    carol.send({ type: 'call.signal', callId, toConnectionId: connectionOf(a1), description: offer })
    expect((await carol.next('error')).code).toBe('call.not_in_call')
    expect((await ask(carol, { type: 'call.join', callId })).code).toBe('call.not_found')
    expect(await a1.settle('call.signal', 150)).toHaveLength(1)
    expect(b1.all('call.signal')).toHaveLength(0)

    // mute shows on the other side
    a1.send({ type: 'call.media', callId, muted: true, cameraOff: true })
    const muted = await updated(b2, callId, (c) => c.participants[0].muted)
    expect(muted.call.participants[0]).toMatchObject({ userId: chat.alice.id, muted: true, cameraOff: true })

    const hungUp = await ask(a1, { type: 'call.leave', callId })
    expect(hungUp.call).toMatchObject({ state: 'ended', endReason: 'completed' })
    for (const sock of [b1, b2]) await updated(sock, callId, (c) => c.state === 'ended' && c.endReason === 'completed')
    const note = await systemCallMessage(b1, callId)
    expect(note.message.content).toMatchObject({ event: 'call', media: 'video', outcome: 'completed', initiatorId: chat.alice.id })
    expect(typeof note.message.content.durationSeconds).toBe('number')
    // history tells it too
    const history = await chat.bob.api.get(`/conversations/${chat.conv}/messages`)
    expect(history.body.items.at(-1).content).toMatchObject({ event: 'call', outcome: 'completed' })
    for (const s of [a1, b1, b2, carol]) s.close()
  })

  it('should end a call as declined, cancelled (caller hung up first) and busy, and say so to both sides', async () => {
    const a1 = await chat.open(chat.alice)
    const b1 = await chat.open(chat.bob)
    const declinedCall = (await ask(a1, { type: 'call.start', conversationId: chat.conv, media: 'voice' })).call.id
    await updated(b1, declinedCall, (c) => c.state === 'ringing')
    expect((await ask(b1, { type: 'call.decline', callId: declinedCall })).call.endReason).toBe('declined')
    await updated(a1, declinedCall, (c) => c.endReason === 'declined')
    expect((await systemCallMessage(a1, declinedCall)).message.content.outcome).toBe('declined')

    const cancelledCall = (await ask(a1, { type: 'call.start', conversationId: chat.conv, media: 'voice' })).call.id
    await updated(b1, cancelledCall, (c) => c.state === 'ringing')
    await ask(a1, { type: 'call.leave', callId: cancelledCall })
    await updated(b1, cancelledCall, (c) => c.endReason === 'cancelled')
    expect((await systemCallMessage(b1, cancelledCall)).message.content.outcome).toBe('cancelled')

    // bob talks with alice; dave's call to bob finds him busy
    const busyLine = (await ask(a1, { type: 'call.start', conversationId: chat.conv, media: 'voice' })).call.id
    await ask(b1, { type: 'call.join', callId: busyLine })
    const d1 = await chat.open(dave)
    const daveConv = await directConversation(dave, chat.bob)
    const busy = await ask(d1, { type: 'call.start', conversationId: daveConv, media: 'video' })
    expect(busy.call).toMatchObject({ state: 'ended', endReason: 'busy' })
    expect((await systemCallMessage(d1, busy.call.id)).message.content.outcome).toBe('busy')
    // and bob cannot start a second call while in one; a second call in the same chat is the running one
    expect((await ask(b1, { type: 'call.start', conversationId: daveConv, media: 'voice' })).code).toBe('call.busy')
    const running = await ask(b1, { type: 'call.start', conversationId: chat.conv, media: 'voice' })
    expect(running.code).toBe('call.busy')
    expect((await chat.alice.api.get(`/conversations/${chat.conv}/call`)).body.call.id).toBe(busyLine)
    expect((await chat.carol.api.get(`/conversations/${chat.conv}/call`)).status).toBe(404)

    // a socket that goes away ends its part: the direct call ends for the other
    a1.ws.terminate()
    await updated(b1, busyLine, (c) => c.state === 'ended' && c.endReason === 'completed')
    for (const s of [b1, d1]) s.close()
  })

  it('should refuse oversized SDP and bound signalling per socket', async () => {
    const a1 = await chat.open(chat.alice)
    const b1 = await chat.open(chat.bob)
    const callId = (await ask(a1, { type: 'call.start', conversationId: chat.conv, media: 'voice' })).call.id
    await ask(b1, { type: 'call.join', callId })
    b1.send({ type: 'call.signal', callId, toConnectionId: connectionOf(a1), description: { type: 'offer', sdp: 'x'.repeat(20_001) } })
    const tooBig = await b1.next('error')
    expect(tooBig.code).toBe('request.invalid')
    // burst of 4 x 5 per second, then refusals
    for (let i = 0; i < 30; i++)
      b1.send({ type: 'call.signal', callId, toConnectionId: connectionOf(a1), candidate: { candidate: `candidate:${i}` } })
    const limited = await b1.take((f) => f.type === 'error' && f.code === 'rate_limited', 'rate_limited')
    expect(limited.retryAfter).toBeGreaterThanOrEqual(1)
    await ask(a1, { type: 'call.leave', callId })
    for (const s of [a1, b1]) s.close()
  })

  it('should refuse a call in a direct chat kept after unfriending, and in the world channel', async () => {
    await befriend(chat.alice, dave)
    const kept = await directConversation(chat.alice, dave)
    expect((await chat.alice.api.delete(`/friends/${dave.id}`)).status).toBe(204)
    const d1 = await chat.open(dave)
    expect((await ask(d1, { type: 'call.start', conversationId: kept, media: 'voice' })).code).toBe('message.not_friends')
    const world = (await dave.api.get('/conversations/world')).body.id
    expect((await ask(d1, { type: 'call.start', conversationId: world, media: 'voice' })).code).toBe('call.not_allowed')
    d1.close()
  })

  it('should hand out STUN and TURN servers with a TURN REST credential signed for the caller', async () => {
    const res = await chat.alice.api.get('/calls/ice-servers')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const [stun, turn] = res.body.iceServers
    expect(stun).toEqual({ urls: ['stun:stun.example.test:3478'] })
    expect(turn.urls).toEqual(['turn:turn.example.test:3478?transport=udp'])
    const [expiry, userId] = turn.username.split(':')
    expect(userId).toBe(chat.alice.id)
    const ttl = Number(expiry) - Math.floor(Date.now() / 1000)
    expect(ttl).toBeGreaterThan(500)
    expect(ttl).toBeLessThanOrEqual(600)
    expect(turn.credential).toBe(createHmac('sha1', 'north-wind-secret').update(turn.username).digest('base64'))
    expect((await fetch(`${chat.t.url}/api/v1/calls/ice-servers`)).status).toBe(401)
  })
})

describe('calls: groups, the member limit and removal', () => {
  const s = useTestApp({ overrides: { 'calls.maxParticipants': 3, 'calls.liveCheckSeconds': 1 } })
  const sockets: TestSocket[] = []
  afterAll(() => sockets.forEach((x) => x.close()))

  it('should let members join and leave a running call up to the limit, drop a removed member, and end with the last one', async () => {
    const [owner, m1, m2, m3, outsider] = await Promise.all(['gowner', 'gm1', 'gm2', 'gm3', 'gout'].map((n) => createUser(s.t.url, n)))
    for (const m of [m1, m2, m3]) await befriend(owner!, m!)
    const { group } = await createGroup(owner!, { name: 'call group', memberIds: [m1!.id, m2!.id, m3!.id] })
    const conv = group.conversationId
    const open = async (u: TestUser) => {
      const sock = await TestSocket.open(s.t.wsUrl, { token: u.token })
      sockets.push(sock)
      return sock
    }
    const [so, s1, s2, s3, sx] = await Promise.all([owner!, m1!, m2!, m3!, outsider!].map(open))

    const callId = (await ask(so!, { type: 'call.start', conversationId: conv, media: 'voice' })).call.id
    // every member's device rings; the outsider hears nothing
    for (const sock of [s1!, s2!, s3!]) await updated(sock, callId, (c) => c.state === 'ringing' && c.kind === 'group')
    expect((await ask(sx!, { type: 'call.join', callId })).code).toBe('call.not_found')
    expect((await ask(s1!, { type: 'call.join', callId })).call.state).toBe('active')
    expect((await ask(s2!, { type: 'call.join', callId })).call.participants.filter((p: any) => p.state === 'joined')).toHaveLength(3)
    const full = await ask(s3!, { type: 'call.join', callId })
    expect(full).toMatchObject({ code: 'call.full', details: { max: 3 } })
    // m2 leaves, m3 takes the place
    await ask(s2!, { type: 'call.leave', callId })
    await updated(s1!, callId, (c) => c.participants.some((p: any) => p.userId === m2!.id && p.state === 'left'))
    expect((await ask(s3!, { type: 'call.join', callId })).call.state).toBe('active')
    // signalling reaches the addressed participant across the mesh
    s3!.send({ type: 'call.signal', callId, toConnectionId: connectionOf(s1!), description: offer })
    expect((await s1!.next('call.signal')).fromUserId).toBe(m3!.id)

    // removed from the group: dropped from the call by the next liveness sweep
    expect((await owner!.api.delete(`/groups/${group.id}/members/${m3!.id}`)).status).toBe(204)
    await updated(so!, callId, (c) => c.participants.some((p: any) => p.userId === m3!.id && p.state === 'left'))
    s3!.send({ type: 'call.signal', callId, toConnectionId: connectionOf(s1!), description: offer })
    expect((await s3!.next('error')).code).toBe('call.not_in_call')

    await ask(s1!, { type: 'call.leave', callId })
    const last = await ask(so!, { type: 'call.leave', callId })
    expect(last.call).toMatchObject({ state: 'ended', endReason: 'completed' })
    const note = await systemCallMessage(s2!, callId)
    expect(note.message.content).toMatchObject({ outcome: 'completed', media: 'voice' })
    await eventually(async () => (await owner!.api.get(`/conversations/${conv}/call`)).body.call === null, 'no running call')
  })
})

describe('calls: no answer', () => {
  const chat = useDirectChat({ overrides: { 'calls.ringSeconds': 1 } })

  it('should end an unanswered call as missed after the ring time', async () => {
    const a1 = await chat.open(chat.alice)
    const b1 = await chat.open(chat.bob)
    const callId = (await ask(a1, { type: 'call.start', conversationId: chat.conv, media: 'video' })).call.id
    await updated(b1, callId, (c) => c.state === 'ringing')
    await updated(b1, callId, (c) => c.state === 'ended' && c.endReason === 'missed')
    expect((await systemCallMessage(a1, callId)).message.content).toMatchObject({ outcome: 'missed', media: 'video', durationSeconds: 0 })
  })
})
