import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { clusterDialects, clusterServicesAvailable, startCluster, type TestCluster } from '../helpers/cluster.js'
import { InstanceProcess } from '../helpers/instance-process.js'
import { befriend, directConversation } from '../helpers/social.js'
import { TestSocket, type Frame } from '../helpers/ws-client.js'

let ids = 0
const connectionOf = (sock: TestSocket): string => sock.all('ready')[0]!.connectionId

async function ask(sock: TestSocket, frame: Record<string, unknown>): Promise<Frame> {
  const id = `k${++ids}`
  sock.send({ ...frame, id })
  return sock.take((f) => f.replyTo === id, `answer to ${String(frame.type)}`)
}

const updated = (sock: TestSocket, callId: string, match: (call: any) => boolean, timeoutMs = 5000) =>
  sock.take((f) => f.type === 'call.updated' && f.call.id === callId && match(f.call), `call.updated of ${callId}`, timeoutMs)

// one SQL server is enough here: the state machine itself runs on every store in test/integration/calls.test.ts
const dialect = clusterDialects()[0]

/** Calls across instances on Redis (issue 19): ringing, answering and signalling go through the broker; a dead instance's participant is dropped. */
describe.runIf(dialect)(`${dialect}: calls across instances`, () => {
  let cluster: TestCluster
  let killed: InstanceProcess | null = null
  let alice: TestUser
  let bob: TestUser
  let conv: string
  const sockets: TestSocket[] = []
  const open = async (wsUrl: string, user: TestUser) => {
    const sock = await TestSocket.open(wsUrl, { token: user.token })
    sockets.push(sock)
    return sock
  }

  beforeAll(async () => {
    if (!(await clusterServicesAvailable(dialect!))) {
      if (process.env.CI === 'true') throw new Error(`${dialect} or Redis is not reachable`)
      return
    }
    cluster = await startCluster({ dialect: dialect!, size: 2, overrides: { 'calls.liveCheckSeconds': 1 } })
    alice = await createUser(cluster.nodes[0]!.url, 'kalice')
    bob = await createUser(cluster.nodes[0]!.url, 'kbob')
    await befriend(alice, bob)
    conv = await directConversation(alice, bob)
  })

  afterAll(async () => {
    for (const s of sockets) s.close()
    await killed?.stop()
    await cluster?.close()
  })

  it('should ring, answer and relay signalling between sockets on different instances', async () => {
    const [n0, n1] = cluster.nodes
    const a = await open(n0!.wsUrl, alice)
    const bFar = await open(n1!.wsUrl, bob)
    const bNear = await open(n0!.wsUrl, bob)
    const callId = (await ask(a, { type: 'call.start', conversationId: conv, media: 'video' })).call.id
    await updated(bFar, callId, (c) => c.state === 'ringing')
    await updated(bNear, callId, (c) => c.state === 'ringing')
    expect((await ask(bFar, { type: 'call.join', callId })).call.state).toBe('active')
    await updated(a, callId, (c) => c.state === 'active')
    await updated(bNear, callId, (c) => c.participants.some((p: any) => p.userId === bob.id && p.connectionId === connectionOf(bFar)))

    bFar.send({ type: 'call.signal', callId, toConnectionId: connectionOf(a), description: { type: 'offer', sdp: 'v=0\r\n' } })
    expect(await a.next('call.signal')).toMatchObject({ fromUserId: bob.id, fromConnectionId: connectionOf(bFar) })
    a.send({ type: 'call.signal', callId, toConnectionId: connectionOf(bFar), description: { type: 'answer', sdp: 'v=0\r\n' } })
    expect((await bFar.next('call.signal')).description).toEqual({ type: 'answer', sdp: 'v=0\r\n' })
    expect(bNear.all('call.signal')).toHaveLength(0)

    await ask(bFar, { type: 'call.leave', callId })
    await updated(a, callId, (c) => c.state === 'ended' && c.endReason === 'completed')
    const note = await a.take((f) => f.type === 'message.created' && f.message.content.callId === callId, 'system message')
    expect(note.message.content).toMatchObject({ event: 'call', outcome: 'completed', media: 'video' })
  })

  it('should end the part of a participant whose instance died, for the others, within seconds', async () => {
    const [n0] = cluster.nodes
    killed = await InstanceProcess.start({
      JIM_STORAGE_DRIVER: dialect!,
      JIM_STORAGE_URL: cluster.database.overrides['storage.url'] as string,
      JIM_BROKER_DRIVER: 'redis',
      JIM_REDIS_URL: cluster.redisUrl,
      JIM_REDIS_PREFIX: cluster.prefix,
      JIM_FILES_DRIVER: 'sql',
      JIM_CALLS_LIVE_CHECK_SECONDS: '1',
    })
    await killed.ready()
    const a = await open(n0!.wsUrl, alice)
    const b = await open(killed.wsUrl, bob)
    const callId = (await ask(a, { type: 'call.start', conversationId: conv, media: 'voice' })).call.id
    await updated(b, callId, (c) => c.state === 'ringing')
    await ask(b, { type: 'call.join', callId })
    await updated(a, callId, (c) => c.state === 'active')
    killed.signal('SIGKILL')
    await killed.exited
    // nobody closed bob's socket on a live instance: the liveness sweep (three missed 1 s marks) ends it
    await updated(a, callId, (c) => c.state === 'ended', 15_000)
  })
})
