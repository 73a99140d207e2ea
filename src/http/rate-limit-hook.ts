import type { FastifyInstance } from 'fastify'
import { AppError } from '../domain/errors.js'
import type { RateLimiter } from '../domain/security/rate-limiter.js'
import type { RouteLimit } from './route-limits.js'

/**
 * Applies route limits before handlers run (after authentication, so per-user limits see the
 * user). Over the limit: 429 `rate_limited` with Retry-After. `request.ip` honours
 * JIM_TRUST_PROXY, so X-Forwarded-For only counts when it comes from a trusted proxy.
 */
export function registerRateLimitHook(app: FastifyInstance, deps: { limiter: RateLimiter; limits: readonly RouteLimit[] }): void {
  const byRoute = new Map(deps.limits.map((l) => [`${l.method} ${l.url}`, l]))
  app.addHook('preHandler', async (request) => {
    const url = request.routeOptions.url
    if (!url) return
    // HEAD runs the GET handler (fastify routes it there), so it must spend the GET's budget
    const method = request.method === 'HEAD' ? 'GET' : request.method
    const limit = byRoute.get(`${method} ${url}`)
    if (!limit) return
    const who = limit.per === 'user' && request.principal ? `user:${request.principal.user.id}` : `ip:${request.ip}`
    const state = await deps.limiter.hit(`route:${limit.name}:${who}`, limit.rule)
    if (state.allowed) return
    const seconds = Math.ceil(state.retryAfterMs / 1000)
    request.log.warn({ event: 'rate_limited', limit: limit.name, who, retryAfterSeconds: seconds }, 'rate limited')
    throw new AppError('rate_limited', `Too many requests; retry in ${seconds} s.`, {
      retryAfter: seconds,
      details: { limit: limit.name, retryAfterSeconds: seconds },
    })
  })
}
