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

/** Edits and recalls together: per user per minute (each is pushed to every member, like a send). */
export function createEditLimiter(
  limiter: RateLimiter,
  limits: { enabled: boolean; perMinute: number },
): (userId: string) => Promise<void> {
  if (!limits.enabled) return async () => {}
  const check = checker(limiter, 'You are changing messages too fast; wait a moment.')
  return (userId) => check(`edit:user:${userId}`, limits.perMinute, 60_000)
}

/** Reactions added or removed: per user per minute (each is pushed to every member). */
export function createReactionLimiter(
  limiter: RateLimiter,
  limits: { enabled: boolean; perMinute: number },
): (userId: string) => Promise<void> {
  if (!limits.enabled) return async () => {}
  const check = checker(limiter, 'You are reacting too fast; wait a moment.')
  return (userId) => check(`react:user:${userId}`, limits.perMinute, 60_000)
}

function checker(limiter: RateLimiter, message: string) {
  return async (key: string, limit: number, windowMs: number) => {
    const state = await limiter.hit(key, { limit, windowMs })
    if (!state.allowed) throw new AppError('rate_limited', message, { retryAfter: state.retryAfterMs / 1000 })
  }
}
