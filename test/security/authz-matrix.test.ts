import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { PUBLIC_ROUTES } from './authz-rows.js'

/**
 * The first row of the authorization matrix, for every route in the route table (new routes are
 * covered automatically): without a session, nothing but the public routes answers anything but 401.
 */
describe('authorization matrix: callers without a valid session', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp()
  })
  afterAll(() => t?.close())

  it('should answer 401 on every non-public route, with no token, a garbage one and a revoked one', async () => {
    const revoked = await createUser(t.url, 'revoked')
    expect((await revoked.api.post('/auth/logout')).status).toBe(204)
    const doc = t.app.http.swagger() as { paths: Record<string, Record<string, unknown>> }
    // health and metrics live outside /api/v1 with their own rules
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, methods]) =>
        Object.entries(methods)
          .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map(([m]) => ({ method: m.toUpperCase(), route: path.replace(/^\/api\/v1/, '') }))
          .filter(({ method, route }) => !PUBLIC_ROUTES.has(`${method} ${route}`))
          .map(({ method, route }) => ({ method, path: route.replace(/\{[^}]+\}/g, '01ARZ3NDEKTSV4RRFFQ69G5FAV') })),
      )
    expect(routes.length).toBeGreaterThan(50)
    const callers = [new ApiClient(t.url), new ApiClient(t.url, 'garbage-token'), revoked.api]
    for (const { method, path } of routes) {
      for (const caller of callers) {
        const res = await caller.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : { any: 'body' })
        expect(res.status, `${method} ${path}`).toBe(401)
        expect(res.body.error.code, `${method} ${path}`).toMatch(/^auth\.(required|invalid_token)$/)
      }
    }
  })
})
