import type { User, UserState } from '../users/user.js'
import type { AuditEntry } from '../admin/audit-log-store.js'

/** Account lifecycle beyond the profile: verified e-mail, state, deletion, the admin's user list. */
export interface AccountStore {
  /**
   * Binds a verified address (lower-cased) to the user, in one transaction. Another account that
   * holds the same address unverified loses it; one that holds it verified keeps it, and nothing
   * changes: `'taken'` (the unique address index refuses). Returns the user and the id of the
   * account that lost the address (null if none), or null if the user is unknown or deleted.
   */
  setVerifiedEmail(userId: string, email: string, now: number): Promise<{ user: User; previousHolderId: string | null } | null | 'taken'>
  /** Whether an account other than `exceptUserId` holds `email` verified. */
  isVerifiedEmailTaken(email: string, exceptUserId: string): Promise<boolean>
  /** The active (not disabled or deleted) user whose verified address is `email`, or null. */
  findActiveByVerifiedEmail(email: string): Promise<User | null>
  /**
   * Sets the state (`active`/`disabled`) of a user that is not deleted; with `audit`, the entry is
   * written in the same transaction. Returns the updated user, or null if unknown or deleted.
   */
  setState(userId: string, state: Exclude<UserState, 'deleted'>, now: number, audit?: AuditEntry): Promise<User | null>
  /**
   * Deletes an account in one transaction: state `deleted`; nickname, bio, avatar and e-mail
   * cleared; the password hash replaced so no password matches; pending e-mail codes removed;
   * the username stays taken. With `audit`, the entry commits with it. Returns false when the
   * user is unknown or already deleted.
   */
  markDeleted(userId: string, now: number, audit?: AuditEntry): Promise<boolean>
  /**
   * Users of every state, newest first (by id, before `beforeId`), at most `limit`. `q` matches an
   * exact id, an exact e-mail, or a username or lower-cased nickname prefix; `state` filters.
   */
  list(query: { q: string | null; state: UserState | null; beforeId: string | null; limit: number }): Promise<User[]>
}
