import type { Session } from './session.js'

/** Login sessions, keyed by the SHA-256 of the token (the token itself is never stored). */
export interface SessionStore {
  create(session: Session & { tokenSha256: string }): Promise<void>
  /** A session that is not revoked and not expired at `now`; null otherwise. */
  findActiveByTokenHash(tokenSha256: string, now: number): Promise<Session | null>
  findById(id: string): Promise<Session | null>
  /** Active sessions of a user, newest first. */
  listActive(userId: string, now: number): Promise<Session[]>
  /** Marks last_seen_at (callers throttle this). */
  touch(id: string, now: number, userAgent?: string): Promise<void>
  /** Revokes one session; returns false when it was not active. */
  revoke(id: string, now: number): Promise<boolean>
  /** Revokes every active session of a user except `exceptId`; returns the revoked ids. */
  revokeAllForUser(userId: string, now: number, exceptId?: string): Promise<string[]>
}
