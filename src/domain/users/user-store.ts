import type { User, UserStatus, UserWithSecret, UserRole, UserState } from './user.js'

export interface NewUser {
  id: string
  username: string
  nickname: string
  passwordHash: string
  email: string | null
  role: UserRole
  createdAt: number
}

export interface UserPatch {
  nickname?: string
  bio?: string
  avatarFileId?: string | null
  status?: UserStatus
  mentionAlertMuted?: boolean
}

/** What `UserStore.create` throws when a unique index refuses the new row: the store reports, the domain decides the answer. */
export class DuplicateUserError extends Error {
  constructor(
    readonly field: 'username' | 'email',
    options?: ErrorOptions,
  ) {
    super(`another user has this ${field}`, options)
    this.name = 'DuplicateUserError'
  }
}

/** Users: accounts and profiles. */
export interface UserStore {
  /** Inserts a user. Throws `DuplicateUserError` (naming the field) when the username or e-mail is taken. */
  create(user: NewUser): Promise<User>
  /** By id, any state; null when unknown. */
  findById(id: string): Promise<User | null>
  /** Several by id, any state, in no particular order; unknown ids are skipped. */
  findByIds(ids: readonly string[]): Promise<User[]>
  /** By lower-cased username, with the password hash; null when unknown. */
  findByUsernameWithSecret(username: string): Promise<UserWithSecret | null>
  findByIdWithSecret(id: string): Promise<UserWithSecret | null>
  /** Applies a profile patch and bumps updated_at; returns the new user or null if unknown. */
  update(id: string, patch: UserPatch, now: number): Promise<User | null>
  setPasswordHash(id: string, passwordHash: string, now: number): Promise<void>
  setRole(id: string, role: UserRole, now: number): Promise<void>
  setState(id: string, state: UserState, now: number): Promise<void>
  /**
   * Active users whose username or lower-cased nickname starts with `prefix`, or whose id is
   * exactly `prefix`; ordered by id, after `afterId`, at most `limit`; never ids in `excludeIds`.
   */
  search(query: { prefix: string; afterId: string | null; limit: number; excludeIds: readonly string[] }): Promise<User[]>
}
