import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AuthService, Principal } from '../domain/auth/auth-service.js'
import { AppError } from '../domain/errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** true: no bearer token needed (register, login, captcha, health...) */
    public?: boolean
  }
}

/**
 * Every /api/v1 route needs a valid bearer token unless its config says `public: true`. Checked
 * on request, before the body is read or validated: a caller without a session learns 401 and
 * nothing about what the route would accept, and costs no body parsing.
 */
export function registerAuthHook(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (request) => {
    // routeOptions is a getter that builds a new object on each read: read it once
    const route = request.routeOptions
    if (!route.url || route.config.public || !request.url.startsWith('/api/v1/')) return
    const header = request.headers.authorization
    if (!header) throw new AppError('auth.required')
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (!match) throw new AppError('auth.required', 'Use Authorization: Bearer <token>.')
    request.principal = await auth.authenticate(match[1]!)
  })
}

/** The authenticated caller; only call from routes that are not public. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('auth.required')
  return request.principal
}
