import type { Config } from '../config/config.js'
import type { LimitRule } from '../domain/security/rate-limiter.js'

/** A request limit on one route, counted per caller (signed-in user, else IP). */
export interface RouteLimit {
  method: string
  /** the route pattern as registered, e.g. `/api/v1/users` */
  url: string
  /** bucket name; routes sharing a name share the count */
  name: string
  per: 'ip' | 'user'
  rule: LimitRule
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/**
 * The sensitive routes and their limits, in one table (other capabilities may append theirs).
 * Login is throttled on failures by the LoginGuard instead, since only failures should count.
 */
export function sensitiveRouteLimits(c: Config['rateLimit']): RouteLimit[] {
  const perHour = (limit: number): LimitRule => ({ limit, windowMs: HOUR })
  return [
    { method: 'GET', url: '/api/v1/auth/captcha', name: 'captcha', per: 'ip', rule: { limit: c.captchaPerMinute, windowMs: MINUTE } },
    { method: 'POST', url: '/api/v1/auth/register', name: 'register', per: 'ip', rule: perHour(c.registerPerHour) },
    { method: 'GET', url: '/api/v1/users', name: 'search', per: 'user', rule: { limit: c.searchPerMinute, windowMs: MINUTE } },
    { method: 'POST', url: '/api/v1/auth/password-reset', name: 'password-reset', per: 'ip', rule: perHour(c.passwordResetPerHour) },
    {
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      name: 'password-reset',
      per: 'ip',
      rule: perHour(c.passwordResetPerHour),
    },
    { method: 'POST', url: '/api/v1/me/email', name: 'email-send', per: 'user', rule: perHour(c.emailPerHour) },
    // code guesses are also capped per code; this bounds guesses across many codes
    { method: 'POST', url: '/api/v1/me/email/verify', name: 'email-verify', per: 'user', rule: perHour(c.emailPerHour * 5) },
    // routes that check the current password: a stolen token must not brute-force it
    { method: 'PUT', url: '/api/v1/me/password', name: 'password-check', per: 'user', rule: perHour(c.passwordResetPerHour) },
    { method: 'DELETE', url: '/api/v1/me', name: 'password-check', per: 'user', rule: perHour(c.passwordResetPerHour) },
    // a reconnect loop costs an upgrade and an authentication each time (per user: see WsGateway)
    { method: 'GET', url: '/api/v1/ws', name: 'ws-connect', per: 'ip', rule: { limit: c.wsConnectsPerMinutePerIp, windowMs: MINUTE } },
    // uploads are costly (disk, database, image decoding): also bounded in bytes, time and concurrency
    { method: 'POST', url: '/api/v1/files', name: 'upload', per: 'user', rule: { limit: c.uploadsPerMinute, windowMs: MINUTE } },
    // social actions that notify other people: cheap to send, costly to receive in bulk
    { method: 'POST', url: '/api/v1/friend-requests', name: 'friend-request', per: 'user', rule: perHour(c.friendRequestsPerHour) },
    { method: 'POST', url: '/api/v1/groups', name: 'group-create', per: 'user', rule: perHour(c.groupsPerHour) },
    { method: 'POST', url: '/api/v1/groups/:id/members', name: 'group-invite', per: 'user', rule: perHour(c.invitationsPerHour) },
    // each answer is a fresh TURN credential: one per call attempt is plenty
    { method: 'GET', url: '/api/v1/calls/ice-servers', name: 'ice-servers', per: 'user', rule: { limit: 60, windowMs: MINUTE } },
  ]
}
