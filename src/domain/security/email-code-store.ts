/** Why a code was sent: binding an address, or resetting the password. */
export type EmailCodePurpose = 'email' | 'reset'

export interface EmailCode {
  id: string
  userId: string
  purpose: EmailCodePurpose
  /** the address the code was sent to (for `email`, the one to bind) */
  email: string
  /** HMAC of the code; the code itself is never stored */
  codeHash: string
  attempts: number
  expiresAt: number
  consumedAt: number | null
  createdAt: number
}

/** E-mailed one-time codes. At most one live code per (user, purpose). */
export interface EmailCodeStore {
  /** Stores a new code and deletes every older code of the same user and purpose, in one transaction. */
  replace(code: Omit<EmailCode, 'attempts' | 'consumedAt'>): Promise<void>
  /** The newest unconsumed code of (user, purpose) that has not expired at `now`, or null. */
  findLive(userId: string, purpose: EmailCodePurpose, now: number): Promise<EmailCode | null>
  /** Counts one wrong guess (atomic increment) and returns the new number of attempts. */
  addFailedAttempt(id: string): Promise<number>
  /** Marks the code used if it is still unused; false when another request used it first. */
  consume(id: string, now: number): Promise<boolean>
  /** Deletes codes that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>
}
