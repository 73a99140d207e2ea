import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, type ApiResponse, type TestUser } from '../helpers/api-client.js'
import { befriend } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

/** Runs per route and per frame type: enough to find the shapes that crash, small enough for 2 cores. */
const RUNS = 6
/** Routes that end the fuzzing user's session; everything else is fuzzed as that user. */
const SESSION_ENDERS = new Set(['POST /api/v1/auth/logout', 'DELETE /api/v1/me/sessions', 'DELETE /api/v1/me'])
const ERROR_CODE = /^[a-z_]+(\.[a-z_]+)*$/

function expectStableAnswer(res: ApiResponse, what: string): void {
  expect(res.status, what).toBeLessThan(500)
  if (res.status >= 400) {
    expect(res.body, what).toEqual({
      error: {
        code: expect.stringMatching(ERROR_CODE),
        message: expect.any(String),
        ...(res.body?.error?.details === undefined ? {} : { details: expect.anything() }),
      },
    })
  }
}

describe('property-based fuzz of every route and frame', () => {
  let t: TestApp
  let user: TestUser
  let ids: string[]
  beforeAll(async () => {
    // the frame flood below checks error shapes and then needs its last ping answered: frame limits
    // (test/integration/ws-frame-limits.test.ts) may refuse with rate_limited, but must not close it
    t = await startTestApp({ overrides: { 'ws.framesPerSecond': 100_000, 'ws.refusalsBeforeClose': 100_000 } })
    user = await createUser(t.url, 'fuzzer')
    const friend = await createUser(t.url, 'fuzzfriend')
    await befriend(user, friend)
    const group = await user.api.post('/groups', { name: 'fuzz', memberIds: [friend.id] })
    // real ids make the fuzz reach past "not found" into the handlers
    ids = [user.id, friend.id, group.body.group.id, group.body.group.conversationId]
  })
  afterAll(() => t?.close())

  it('should answer every route with a stable error shape and never a 5xx, whatever the body and parameters', async () => {
    const doc = t.app.http.swagger() as { paths: Record<string, Record<string, unknown>> }
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path })),
    )
    expect(routes.length).toBeGreaterThan(50)
    const param = fc.oneof(
      fc.constantFrom(...ids, '1', '0', '-1', '%00', '..%2F..', 'x'.repeat(300)),
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
    )
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(
        fc.constantFrom(
          'name',
          'text',
          'userId',
          'userIds',
          'seq',
          'content',
          'type',
          'clientMsgId',
          'email',
          'password',
          'nickname',
          'limit',
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      fc.string({ maxLength: 50 }),
    )
    const query = fc.dictionary(
      fc.constantFrom('limit', 'cursor', 'before', 'after', 'q', 'box', 'changedSince', 'others'),
      fc.string({ maxLength: 12 }),
    )
    for (const route of routes) {
      if (SESSION_ENDERS.has(`${route.method} ${route.path}`)) continue
      await fc.assert(
        fc.asyncProperty(param, body, query, async (p, b, q) => {
          const path = route.path.replace(/^\/api\/v1/, '').replace(/\{[^}]+\}/g, p)
          const qs = new URLSearchParams(q).toString()
          const res = await user.api.request(
            route.method,
            path + (qs ? `?${qs}` : ''),
            route.method === 'GET' || route.method === 'DELETE' ? undefined : b,
          )
          expectStableAnswer(res, `${route.method} ${route.path}`)
        }),
        { numRuns: RUNS },
      )
    }
    expect((await new ApiClient(t.url).get('/../healthz')).status).toBeLessThan(500)
  })

  it('should answer every frame type with a known error (or nothing) and keep the socket usable', async () => {
    const sock = await TestSocket.open(t.wsUrl, { token: user.token })
    const type = fc.constantFrom('ping', 'typing', 'resume', 'message.send', 'auth', 'read', 'x')
    const frame = fc.record(
      {
        type,
        conversationId: fc.oneof(fc.constantFrom(...ids), fc.jsonValue({ maxDepth: 1 })),
        positions: fc.oneof(fc.dictionary(fc.constantFrom(...ids), fc.jsonValue({ maxDepth: 1 })), fc.jsonValue({ maxDepth: 2 })),
        ref: fc.jsonValue({ maxDepth: 1 }),
        clientMsgId: fc.string({ maxLength: 70 }),
        messageType: fc.constantFrom('text', 'image', 'system', 'x'),
        content: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: ['type'] },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          frame.map((f) => JSON.stringify(f)),
          fc.string({ maxLength: 80 }),
        ),
        async (raw) => {
          sock.ws.send(raw)
        },
      ),
      { numRuns: RUNS * 40 },
    )
    sock.ws.send(JSON.stringify({ type: 'ping', id: 'last' }))
    await sock.next('pong')
    for (const f of sock.frames.filter((x) => x.type === 'error')) {
      expect(f.code).toMatch(ERROR_CODE)
      expect(f.code).not.toBe('internal')
      expect(typeof f.message).toBe('string')
    }
    expect((await user.api.get('/me')).status).toBe(200)
    sock.close()
  })
})
