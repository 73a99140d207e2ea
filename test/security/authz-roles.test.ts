import { CLIENT_FRAMES, type ClientFrameType } from '@jim/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResponse } from '../helpers/api-client.js'
import { sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import type { Frame } from '../helpers/ws-client.js'
import { FRAME_ROWS } from './authz-frames.js'
import { PUBLIC_ROUTES, ROUTE_ROWS, type Attempt } from './authz-rows.js'
import { buildScenario, ROLES, type Scenario } from './authz-scenario.js'

/** Every documented route as `METHOD /path` (without /api/v1); health and metrics live outside with their own rules. */
function documentedRoutes(t: TestApp): string[] {
  const doc = t.app.http.swagger() as { paths: Record<string, Record<string, unknown>> }
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/v1/'))
    .flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => ['get', 'head', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path.slice('/api/v1'.length)}`),
    )
}

function leaked(text: string, secrets: string[]): string[] {
  return secrets.filter((secret) => text.includes(secret))
}

/**
 * The authorization matrix: every route of the OpenAPI document and every client frame type of
 * @jim/protocol, tried as a stranger, a blocked user, a removed member, a late joiner and a
 * non-admin. Each try must be refused with its status and code (or, where the role may call it,
 * only touch the caller's own data), show none of what the role must not see, and no socket of
 * the role (nor anyone's) may receive a frame about a refused try.
 */
describe('authorization matrix: every route and frame, five kinds of caller', () => {
  let t: TestApp
  let s: Scenario
  const refusedMarks = new Set<string>()

  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'ws.framesPerSecond': 1000, 'ws.resumeBurst': 100 } })
    s = await buildScenario(t)
  })
  afterAll(() => t?.close())

  it('should have a row for every route, and every row a try for every role', () => {
    const routes = documentedRoutes(t)
    expect(routes.length).toBeGreaterThan(70)
    const missing = routes.filter((r) => !ROUTE_ROWS[r] && !PUBLIC_ROUTES.has(r))
    expect(missing, 'routes without a row in test/security/authz-rows.ts').toEqual([])
    const stale = Object.keys(ROUTE_ROWS).filter((r) => !routes.includes(r))
    expect(stale, 'rows for routes that no longer exist').toEqual([])
    const frames = Object.keys(CLIENT_FRAMES)
    expect(Object.keys(FRAME_ROWS).sort()).toEqual([...frames].sort())
  })

  it('should refuse every route to every role it is not for, leaking nothing', async () => {
    const problems: string[] = []
    for (const route of Object.keys(ROUTE_ROWS)) {
      const [method] = route.split(' ') as [string]
      for (const role of ROLES) {
        const attempt: Attempt = ROUTE_ROWS[route]!(s, role)
        const caller = attempt.spare ? s.spare[role] : s.users[role]
        const body = attempt.body ?? (['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined)
        const res: ApiResponse = await caller.api.request(method, attempt.path, body)
        const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '')
        const got = `${res.status} ${res.body?.error?.code ?? ''}`
        if (attempt.refused) {
          // what a refused try carried (a text, a name...) must reach no socket: collected for the last check
          for (const m of JSON.stringify(body ?? '').matchAll(/[a-z]+-by-[A-Za-z]+/g)) refusedMarks.add(m[0])
          // HEAD answers carry no body: the status must do
          const codeOk = method === 'HEAD' || res.body?.error?.code === attempt.refused[1]
          if (res.status !== attempt.refused[0] || !codeOk) {
            problems.push(`${route} as ${role}: ${got}, want ${attempt.refused.join(' ')}`)
          }
        } else if (res.status >= 500) problems.push(`${route} as ${role}: ${res.status}`)
        const allowed = attempt.mayShow?.(s) ?? []
        const seen = leaked(text, s.secrets[role]).filter((secret) => !allowed.includes(secret))
        if (seen.length > 0) problems.push(`${route} as ${role} leaked ${seen.join(', ')}`)
      }
    }
    expect(problems).toEqual([])
  })

  it('should refuse every client frame a role may not send, leaking nothing', async () => {
    const problems: string[] = []
    for (const type of Object.keys(FRAME_ROWS) as ClientFrameType[]) {
      for (const role of ROLES) {
        const attempt = FRAME_ROWS[type](s, role)
        const socket = s.sockets[role]
        const before = socket.frames.length
        socket.send(attempt.frame)
        const answer = await socket.take((f) => attempt.answeredBy(f), `answer to ${type} as ${role}`)
        const got = answer.type === 'error' ? `error ${answer.code}` : answer.type
        if (got !== attempt.expect) problems.push(`frame ${type} as ${role}: ${got}, want ${attempt.expect}`)
        const seen = leaked(JSON.stringify(socket.frames.slice(before)), s.secrets[role])
        if (seen.length > 0) problems.push(`frame ${type} as ${role} leaked ${seen.join(', ')}`)
      }
    }
    expect(problems).toEqual([])
  })

  it('should have pushed nothing about any refused try, nor any secret, to any socket', async () => {
    // a barrier: a world message reaches every socket after everything pushed before it
    const barrier = `barrier-${Date.now()}`
    const world = await s.owner.api.get('/conversations/world')
    await sendText(s.owner, world.body.id, barrier)
    const everyone = [...ROLES, 'owner' as const]
    await Promise.all(everyone.map((r) => s.sockets[r].take((f: Frame) => JSON.stringify(f).includes(barrier), `barrier on ${r}`)))
    // the routes' refused tries, and the frames' (message.send)
    const marks = [...refusedMarks, ...ROLES.map((role) => `send-by-${role}`)]
    expect(refusedMarks.size).toBeGreaterThan(10)
    for (const who of everyone) {
      const frames = JSON.stringify(s.sockets[who].frames)
      expect(leaked(frames, marks), `frames on ${who}'s socket about refused tries`).toEqual([])
      if (who !== 'owner') expect(leaked(frames, s.secrets[who]), `secrets on ${who}'s socket`).toEqual([])
    }
  })
})
