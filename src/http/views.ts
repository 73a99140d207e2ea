import type { Session } from '../domain/auth/session.js'
import { toIso } from '../shared/clock.js'

export { selfUserView } from '../domain/users/user.js'

export function sessionView(session: Session, currentSessionId: string) {
  return {
    id: session.id,
    createdAt: toIso(session.createdAt)!,
    lastSeenAt: toIso(session.lastSeenAt)!,
    expiresAt: toIso(session.expiresAt)!,
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === currentSessionId,
  }
}
