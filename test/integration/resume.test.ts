import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('resume after a disconnect', () => {
  let t: TestApp
  let ana: TestUser
  let bo: TestUser
  let conv: string
  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'messages.resumeMaxMessages': 5 } })
    ana = await createUser(t.url, 'ana')
    bo = await createUser(t.url, 'bo')
    await befriend(ana, bo)
    conv = await directConversation(ana, bo)
  })
  afterAll(() => t.close())

  it('should replay exactly the missed messages in order, then resumed, with no duplicates', async () => {
    const first = await TestSocket.open(t.wsUrl, { token: bo.token })
    await sendText(ana, conv, 'seen 1')
    await sendText(ana, conv, 'seen 2')
    const seen = [(await first.next('message.created')).message.seq, (await first.next('message.created')).message.seq]
    first.close()
    await first.closed
    for (let i = 0; i < 3; i++) await sendText(ana, conv, `missed ${i}`)

    const again = await TestSocket.open(t.wsUrl, { token: bo.token })
    again.send({ type: 'resume', positions: { [conv]: seen[1] } })
    const resumed = await again.next('resumed')
    expect(resumed.positions[conv]).toBe(seen[1]! + 3)
    const replayed = again.all('message.created').map((f) => f.message.content.text)
    expect(replayed).toEqual(['missed 0', 'missed 1', 'missed 2'])

    // live messages continue right after, once
    await sendText(ana, conv, 'live')
    for (let i = 0; i < 4; i++) await again.next('message.created')
    expect((await again.settle('message.created', 150)).map((f) => f.message.content.text)).toEqual([
      'missed 0',
      'missed 1',
      'missed 2',
      'live',
    ])
    again.close()
  })

  it('should answer resync_required when more than the bounded amount was missed', async () => {
    const sock = await TestSocket.open(t.wsUrl, { token: bo.token })
    const last = (await bo.api.get(`/conversations/${conv}`)).body.lastSeq
    sock.close()
    await sock.closed
    for (let i = 0; i < 7; i++) await sendText(ana, conv, `flood ${i}`)
    const again = await TestSocket.open(t.wsUrl, { token: bo.token })
    again.send({ type: 'resume', positions: { [conv]: last } })
    expect(await again.next('resync_required')).toMatchObject({ conversationId: conv, lastSeq: last + 7 })
    await again.next('resumed')
    expect(again.all('message.created')).toHaveLength(0)
    again.close()
  })

  it('should tell about conversations the client did not list, and refuse malformed positions', async () => {
    const cy = await createUser(t.url, 'cy')
    await befriend(cy, bo)
    const c2 = await directConversation(cy, bo)
    await sendText(cy, c2, 'new chat')
    const sock = await TestSocket.open(t.wsUrl, { token: bo.token })
    sock.send({ type: 'resume', positions: { [conv]: 999 } })
    const updated = await sock.next('conversation.updated')
    expect(updated.conversation).toMatchObject({ id: c2, kind: 'direct', lastSeq: 1, peer: { id: cy.id } })
    await sock.next('resumed')
    sock.send({ type: 'resume', positions: { [conv]: -1 } })
    expect((await sock.next('error')).code).toBe('request.invalid')
    sock.send({ type: 'resume', positions: 'nope' })
    expect((await sock.next('error')).code).toBe('request.invalid')
    sock.close()
  })

  it('should refuse resume of a conversation the user is not in without leaking it', async () => {
    const stranger = await createUser(t.url, 'stranger')
    const sock = await TestSocket.open(t.wsUrl, { token: stranger.token })
    sock.send({ type: 'resume', positions: { [conv]: 0 } })
    expect(await sock.next('error')).toMatchObject({ code: 'conversation.not_found', conversationId: conv })
    await sock.next('resumed')
    expect(sock.all('message.created')).toHaveLength(0)
    sock.close()
  })
})

describe('world channel', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'world.sendPerMinute': 3 } })
  })
  afterAll(() => t.close())

  it('should let any user read and write the world channel and push to users who opened it', async () => {
    const u1 = await createUser(t.url, 'w1')
    const u2 = await createUser(t.url, 'w2')
    const w1 = await u1.api.get('/conversations/world')
    expect(w1.status).toBe(200)
    expect(w1.body.kind).toBe('world')
    const w2 = await u2.api.get('/conversations/world')
    expect(w2.body.id).toBe(w1.body.id)
    const s2 = await TestSocket.open(t.wsUrl, { token: u2.token })
    const sent = await sendText(u1, w1.body.id, 'hello world 🌍')
    expect((await s2.next('message.created')).message).toEqual(sent)
    expect((await u2.api.get(`/conversations/${w1.body.id}/messages`)).body.items.at(-1)).toEqual(sent)
    s2.close()
  })

  it('should cap world sends per user with 429 and Retry-After', async () => {
    const u = await createUser(t.url, 'spammer')
    const w = (await u.api.get('/conversations/world')).body.id
    for (let i = 0; i < 3; i++) await sendText(u, w, `s${i}`)
    const res = await u.api.post(`/conversations/${w}/messages`, { clientMsgId: 'too-many', type: 'text', content: { text: 'more' } })
    expect(res.status).toBe(429)
    expect(res.body.error.code).toBe('rate_limited')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('should refuse @all in the world channel', async () => {
    const u = await createUser(t.url, 'mentioner')
    const w = (await u.api.get('/conversations/world')).body.id
    const res = await u.api.post(`/conversations/${w}/messages`, {
      clientMsgId: 'all',
      type: 'text',
      content: { text: 'hey', mentions: ['all'] },
    })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('message.mention_all_forbidden')
  })
})

describe('world channel administration', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t.close())

  it('should let an admin close the world channel and mute one user, audited, and refuse non-admins', async () => {
    const boss = await createUser(t.url, 'boss')
    await t.app.store.users.setRole(boss.id, 'admin', Date.now())
    const admin = await login(t.url, boss.username)
    const user = await createUser(t.url, 'talker')
    const w = (await user.api.get('/conversations/world')).body.id

    expect((await user.api.put('/admin/world', { open: false })).status).toBe(403)
    expect((await admin.api.put('/admin/world', { open: false })).body).toEqual({ open: false })
    const closed = await user.api.post(`/conversations/${w}/messages`, { clientMsgId: 'c1', type: 'text', content: { text: 'anyone?' } })
    expect(closed.status).toBe(422)
    expect(closed.body.error.code).toBe('message.world_closed')
    await admin.api.put('/admin/world', { open: true })
    await sendText(user, w, 'open again')

    const until = new Date(Date.now() + 60_000).toISOString()
    expect((await admin.api.put(`/admin/world/mutes/${user.id}`, { until, reason: 'spam' })).status).toBe(200)
    const muted = await user.api.post(`/conversations/${w}/messages`, { clientMsgId: 'c2', type: 'text', content: { text: 'let me talk' } })
    expect(muted.status).toBe(422)
    expect(muted.body.error.code).toBe('message.muted')
    expect((await admin.api.delete(`/admin/world/mutes/${user.id}`)).status).toBe(204)
    await sendText(user, w, 'thanks')

    const audit = await admin.api.get('/admin/audit-log')
    const actions = audit.body.items.map((e: { action: string }) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['world.closed', 'world.opened', 'world.user_muted', 'world.user_unmuted']))
  })
})
