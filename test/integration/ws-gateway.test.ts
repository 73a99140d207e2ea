import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('WebSocket gateway', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { 'ws.authTimeoutMs': 300, 'ws.maxSocketsPerUser': 2, 'ws.maxFrameBytes': 1024, 'ws.heartbeatSeconds': 1 },
    })
  })
  afterAll(() => t.close())

  it('should authenticate with the Authorization header and send ready', async () => {
    const u = await createUser(t.url, 'hdr')
    const s = await TestSocket.open(t.wsUrl, { token: u.token, waitReady: false })
    const ready = await s.next('ready')
    expect(ready).toMatchObject({ userId: u.id, sessionId: u.sessionId, heartbeatSeconds: 1 })
    s.close()
  })

  it('should authenticate browsers with a first auth frame', async () => {
    const u = await createUser(t.url, 'frame')
    const s = await TestSocket.open(t.wsUrl, { authFrame: u.token })
    expect(s.all('ready')[0]).toMatchObject({ userId: u.id })
    s.send({ type: 'ping', id: 7 })
    expect(await s.next('pong')).toEqual({ type: 'pong', id: 7 })
    s.close()
  })

  it('should close with 4001 on a bad token, a non-auth first frame, or no auth in time', async () => {
    const bad = await TestSocket.open(t.wsUrl, { authFrame: 'nope', waitReady: false })
    expect((await bad.closed).code).toBe(4001)
    const wrongFirst = await TestSocket.open(t.wsUrl)
    wrongFirst.send({ type: 'ping' })
    expect((await wrongFirst.closed).code).toBe(4001)
    const silent = await TestSocket.open(t.wsUrl)
    expect((await silent.closed).code).toBe(4001)
    const header = new WebSocket(t.wsUrl, { headers: { authorization: 'Bearer not-a-token' } })
    const code = await new Promise<number>((resolve) => header.once('close', (c) => resolve(c)))
    expect(code).toBe(4001)
  })

  it('should refuse one socket more than the per-user cap with 4029', async () => {
    const u = await createUser(t.url, 'many')
    const a = await TestSocket.open(t.wsUrl, { token: u.token })
    const b = await TestSocket.open(t.wsUrl, { token: u.token })
    const c = await TestSocket.open(t.wsUrl, { token: u.token, waitReady: false })
    expect((await c.closed).code).toBe(4029)
    a.close()
    b.close()
  })

  it('should close a socket that sends a frame above the limit with 1009', async () => {
    const u = await createUser(t.url, 'big')
    const s = await TestSocket.open(t.wsUrl, { token: u.token })
    s.ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(2000) }))
    expect((await s.closed).code).toBe(1009)
  })

  it('should answer malformed and unknown frames with an error frame and stay open', async () => {
    const u = await createUser(t.url, 'junk')
    const s = await TestSocket.open(t.wsUrl, { token: u.token })
    s.ws.send('not json')
    expect((await s.next('error')).code).toBe('request.invalid')
    s.send({ type: 'teleport', id: 'x1' })
    expect(await s.next('error')).toMatchObject({ code: 'request.invalid', replyTo: 'x1' })
    s.send({ type: 'ping' })
    await s.next('pong')
    s.close()
  })

  it('should close every socket of a session with session.revoked and 4001 on logout, and no other session', async () => {
    const u = await createUser(t.url, 'revoke')
    const other = await login(t.url, u.username)
    const s1 = await TestSocket.open(t.wsUrl, { token: u.token })
    const keep = await TestSocket.open(t.wsUrl, { token: other.token })
    expect((await u.api.post('/auth/logout')).status).toBe(204)
    expect(await s1.next('session.revoked')).toMatchObject({ reason: 'logout' })
    expect((await s1.closed).code).toBe(4001)
    keep.send({ type: 'ping' })
    await keep.next('pong')
    keep.close()
  })

  it('should revoke the other sessions (and close their sockets) when the password changes', async () => {
    const u = await createUser(t.url, 'pwchange')
    const other = await login(t.url, u.username)
    const otherSock = await TestSocket.open(t.wsUrl, { token: other.token })
    const res = await u.api.put('/me/password', { currentPassword: 'violet-Tangerine-42-orbit', newPassword: 'another-Strong-pass-77' })
    expect(res.status).toBe(204)
    expect((await otherSock.closed).code).toBe(4001)
    expect((await other.api.get('/me')).status).toBe(401)
    expect((await u.api.get('/me')).status).toBe(200)
  })

  it('should ping clients and close a connection that stops answering', async () => {
    const u = await createUser(t.url, 'dead')
    const ws = new WebSocket(t.wsUrl, { headers: { authorization: `Bearer ${u.token}` }, autoPong: false })
    let pings = 0
    ws.on('ping', () => pings++)
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)))
    expect(pings).toBeGreaterThanOrEqual(1)
    expect(code).toBe(1006)
  })
})

describe('profiles and people search', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t.close())

  it('should edit my nickname, bio and status, and refuse bad values', async () => {
    const u = await createUser(t.url, 'prof')
    const res = await u.api.patch('/me', { nickname: '小明 🐼', bio: 'hello', status: 'busy' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ nickname: '小明 🐼', bio: 'hello', status: 'busy' })
    expect((await u.api.get('/me')).body.nickname).toBe('小明 🐼')
    for (const body of [{ status: 'sleeping' }, { nickname: '' }, { bio: 'x'.repeat(501) }, {}, { role: 'admin' }]) {
      const bad = await u.api.patch('/me', body)
      expect(bad.status).toBe(400)
      expect(bad.body.error.code).toBe('request.invalid')
    }
    expect((await u.api.get('/me')).body.role).toBe('user')
  })

  it('should show public profiles by id and 404 for unknown ids', async () => {
    const a = await createUser(t.url, 'pub')
    const b = await createUser(t.url, 'viewer')
    const res = await b.api.get(`/users/${a.id}`)
    expect(res.body).toEqual({ id: a.id, username: a.username, nickname: a.username, bio: '', avatarFileId: null, deleted: false })
    expect((await b.api.get('/users/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404)
    expect((await b.api.get('/users/not-an-id')).status).toBe(404)
  })

  it('should search by username prefix, nickname prefix and exact id, paged, never myself', async () => {
    const me = await createUser(t.url, 'zzsearcher')
    const found = [await createUser(t.url, 'zzfind'), await createUser(t.url, 'zzfind')]
    await found[1]!.api.patch('/me', { nickname: 'Quasar Jones' })
    const page1 = await me.api.get('/users?q=ZZFIND&limit=1')
    expect(page1.body.items).toHaveLength(1)
    const page2 = await me.api.get(`/users?q=zzfind&limit=1&cursor=${page1.body.nextCursor}`)
    expect([...page1.body.items, ...page2.body.items].map((u: { id: string }) => u.id).sort()).toEqual(found.map((u) => u.id).sort())
    expect((await me.api.get('/users?q=quasar')).body.items.map((u: { id: string }) => u.id)).toEqual([found[1]!.id])
    expect((await me.api.get(`/users?q=${found[0]!.id}`)).body.items.map((u: { id: string }) => u.id)).toEqual([found[0]!.id])
    expect((await me.api.get('/users?q=zzsearcher')).body.items).toEqual([])
    const short = await me.api.get('/users?q=z')
    expect(short.status).toBe(400)
    expect(short.body.error.code).toBe('user.search_query_too_short')
  })
})

describe('health, docs and metrics', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t.close())

  it('should report health and readiness', async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toMatchObject({ status: 'ok' })
    expect(await (await fetch(`${t.url}/readyz`)).json()).toEqual({ status: 'ready', database: 'ok', broker: 'ok' })
  })

  it('should serve an OpenAPI 3 document listing the routes and the error codes, and Swagger UI', async () => {
    const doc = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as any
    expect(doc.openapi).toMatch(/^3\./)
    for (const path of ['/api/v1/auth/login', '/api/v1/conversations/{id}/messages', '/api/v1/friends', '/api/v1/groups'])
      expect(Object.keys(doc.paths)).toContain(path)
    expect(doc.info.description).toContain('message.not_friends')
    const ui = await fetch(`${t.url}/docs/`)
    expect(ui.status).toBe(200)
    expect(await ui.text()).toContain('swagger')
  })

  it('should count requests in /metrics', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text()
    expect(text).toContain('jim_http_requests_total')
    expect(text).toContain('jim_ws_connections')
  })

  it('should export the event-loop delay as a histogram in /metrics', async () => {
    // let the 10 ms sampler gather a few samples
    await new Promise((r) => setTimeout(r, 100))
    const text = await (await fetch(`${t.url}/metrics`)).text()
    expect(text).toContain('# TYPE jim_event_loop_delay_seconds histogram')
    expect(text).toMatch(/jim_event_loop_delay_seconds_bucket\{le="\+Inf"\} [1-9]/)
    expect(Number(/jim_event_loop_delay_seconds_count (\d+)/.exec(text)?.[1])).toBeGreaterThan(0)
  })
})
