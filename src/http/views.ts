import type { Session } from '../domain/auth/session.js'
import type { User } from '../domain/users/user.js'
import { toIso } from '../shared/clock.js'

/** The signed-in user's own profile, as the API returns it. */
export function selfUserView(user: User) {
  return {
    id: user.id,
    username: user.username,
    nickname: user.nickname,
    email: user.email,
    emailVerified: user.emailVerified,
    bio: user.bio,
    avatarFileId: user.avatarFileId,
    status: user.status,
    role: user.role,
    createdAt: toIso(user.createdAt)!,
  }
}

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
