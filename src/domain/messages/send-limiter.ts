import { AppError } from '../errors.js'
import type { RateLimiter } from '../security/rate-limiter.js'
import type { SendLimiter } from './message-service.js'

/**
 * Send caps: per user per minute in every conversation, and for the world channel a stricter
 * per-user cap plus a global one shared by everybody (a busy world must not starve the server).
 */
export function createSendLimiter(
  limiter: RateLimiter,
  limits: { enabled: boolean; sendPerMinute: number; worldSendPerMinute: number; worldGlobalPerSecond: number },
): SendLimiter {
  if (!limits.enabled) return async () => {}
  const check = checker(limiter, 'You are sending too fast; wait a moment.')
  return async (userId, kind) => {
    await check(`send:user:${userId}`, limits.sendPerMinute, 60_000)
    if (kind === 'world') {
      await check(`send:world:user:${userId}`, limits.worldSendPerMinute, 60_000)
      await check('send:world:all', limits.worldGlobalPerSecond, 1000)
    }
  }
}

/**
 * A per-user, per-minute budget for one kind of action that reaches every member (edits and
 * recalls together, reactions, pins): `kind` names the budget, `message` tells the user.
 */
export function createActionLimiter(
  limiter: RateLimiter,
  limits: { enabled: boolean; perMinute: number },
  kind: 'edit' | 'react' | 'pin' | 'search' | 'hide' | 'forward',
  message: string,
): (userId: string) => Promise<void> {
  if (!limits.enabled) return async () => {}
  const check = checker(limiter, message)
  return (userId) => check(`${kind}:user:${userId}`, limits.perMinute, 60_000)
}

function checker(limiter: RateLimiter, message: string) {
  return async (key: string, limit: number, windowMs: number) => {
    const state = await limiter.hit(key, { limit, windowMs })
    if (!state.allowed) throw new AppError('rate_limited', message, { retryAfter: state.retryAfterMs / 1000 })
  }
}
