import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { createTestDatabase, dialectAvailable } from '../helpers/databases.js'
import { clusterDialects } from '../helpers/cluster.js'
import { eventually } from '../helpers/eventually.js'
import { FaultProxy } from '../helpers/fault-proxy.js'
import { befriend, directConversation } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

const DB_PORT = { mysql: 3306, postgres: 5432 } as const
/** the bounds under test: a connection or a statement waits at most this long */
const BOUND_MS = 1000
/**
 * A request that has not answered after this long is hung: it fails the test instead of hanging
 * it (far above the bound, so a slow machine does not matter).
 */
const HUNG_AFTER_MS = 20_000

/** One request through the app's HTTP API, given up (failing the test) if it hangs. */
async function call(app: TestApp, user: TestUser | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.url}${path.startsWith('/readyz') ? '' : '/api/v1'}${path}`, {
    method,
    headers: { ...(user ? { authorization: `Bearer ${user.token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(HUNG_AFTER_MS),
  })
  return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get('retry-after') }
}

const send = (app: TestApp, user: TestUser, conversationId: string, clientMsgId: string) =>
  call(app, user, 'POST', `/conversations/${conversationId}/messages`, { clientMsgId, type: 'text', content: { text: clientMsgId } })

for (const dialect of clusterDialects()) {
  describe(`${dialect}: a database that accepts connections but never answers`, async () => {
    if (!(await dialectAvailable(dialect))) return
    let proxy: FaultProxy
    let t: TestApp
    let ana: TestUser
    let bo: TestUser
    let conv: string

    beforeAll(async () => {
      const database = createTestDatabase(dialect)
      // set-up (database, migrations, users) by an app with the default, generous timeouts: on a
      // loaded machine it must not trip the 1 s bounds, which only the app under test has
      const setup = await startTestApp({ database })
      try {
        ana = await createUser(setup.url, 'ana')
        bo = await createUser(setup.url, 'bo')
        await befriend(ana, bo)
        conv = await directConversation(ana, bo)
      } finally {
        await setup.close()
      }
      proxy = await FaultProxy.start({ port: DB_PORT[dialect] })
      const url = (database.overrides['storage.url'] as string).replace(`:${DB_PORT[dialect]}/`, `:${proxy.port}/`)
      t = await startTestApp({
        database,
        overrides: {
          'storage.url': url,
          'storage.connectTimeoutMs': BOUND_MS,
          'storage.queryTimeoutMs': BOUND_MS,
          // sockets re-check their sessions during the hang: an unanswered check must not close them (or crash)
          'ws.sessionRecheckSeconds': 1,
        },
      })
    })
    afterAll(async () => {
      proxy?.resume()
      await t?.close()
      await t?.database.cleanup()
      await proxy?.close()
    })

    it('should answer 503 + Retry-After within the bound over HTTP and WebSocket, stay up, and recover by itself', async () => {
      const socket = await TestSocket.open(t.wsUrl, { token: ana.token })
      // a session no instance has cached: checking it needs the database
      const fresh = await login(t.url, bo.username)
      expect((await send(t, ana, conv, 'before')).status).toBe(201)

      proxy.pause()

      const ready = await call(t, null, 'GET', '/readyz')
      expect(ready.status).toBe(503)
      expect(ready.body).toMatchObject({ status: 'unready', database: 'down' })
      expect(ready.retryAfter).toBeTruthy()

      // more requests at once than the pool has connections: the waiting ones are bounded too
      const burst = await Promise.all(
        Array.from({ length: 14 }, (_, i) => (i % 2 ? send(t, ana, conv, `hung-${i}`) : call(t, ana, 'GET', '/conversations'))),
      )
      for (const res of burst) {
        expect(res.status, JSON.stringify(res.body)).toBe(503)
        expect(res.body.error.code).toBe('service.unavailable')
        expect(res.retryAfter).toBeTruthy()
      }

      // a send frame during the hang gets an error frame, not silence
      socket.send({
        type: 'message.send',
        ref: 'hung',
        conversationId: conv,
        clientMsgId: 'ws-hung',
        messageType: 'text',
        content: { text: 'x' },
      })
      const refused = await socket.reply('hung', HUNG_AFTER_MS)
      expect(refused).toMatchObject({ type: 'error', code: 'service.unavailable', ref: 'hung' })

      // a new socket whose token cannot be checked is told to come back later (1013), not logged out (4001)
      const newcomer = await TestSocket.open(t.wsUrl, { token: fresh.token, waitReady: false })
      expect((await newcomer.closed).code).toBe(1013)
      // the open socket survived its session re-checks
      expect(socket.ws.readyState).toBe(socket.ws.OPEN)

      proxy.resume()
      await eventually(async () => (await call(t, null, 'GET', '/readyz')).status === 200, 'ready again', HUNG_AFTER_MS)
      expect((await send(t, ana, conv, 'after')).status).toBe(201)
      socket.send({
        type: 'message.send',
        ref: 'back',
        conversationId: conv,
        clientMsgId: 'ws-back',
        messageType: 'text',
        content: { text: 'y' },
      })
      expect((await socket.reply('back', HUNG_AFTER_MS)).type).toBe('message.ack')
      // nothing of the timed-out statements leaked into what clients see: the hung sends were not stored
      // halfway (a timed-out connection is destroyed, so its transaction rolled back or committed whole)
      const history = await call(t, ana, 'GET', `/conversations/${conv}/messages?limit=100`)
      const texts = (history.body.items as Array<{ content: { text: string } }>).map((m) => m.content.text)
      expect(texts).toContain('before')
      expect(texts).toContain('after')
      expect(new Set(texts).size).toBe(texts.length)
      socket.close()
    })
  })
}
