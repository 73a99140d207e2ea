import { toIso } from '../../shared/clock.js'

/** What a user chooses to show; whether they are connected comes from their sockets. */
export const USER_STATUSES = ['online', 'away', 'busy', 'invisible'] as const
export type UserStatus = (typeof USER_STATUSES)[number]

export type UserRole = 'user' | 'admin'
export type UserState = 'active' | 'disabled' | 'deleted'

export interface User {
  id: string
  username: string
  nickname: string
  email: string | null
  emailVerified: boolean
  bio: string
  avatarFileId: string | null
  status: UserStatus
  role: UserRole
  state: UserState
  createdAt: number
  updatedAt: number
  /** a mention of me alerts even in a chat I muted */
  mentionAlertMuted: boolean
}

/** A user with the secret needed to check a password; only the auth service sees it. */
export interface UserWithSecret extends User {
  passwordHash: string
}

/** What anyone may see of another user. */
export interface PublicUser {
  id: string
  username: string
  nickname: string
  bio: string
  avatarFileId: string | null
  deleted: boolean
}

export function toPublicUser(user: User): PublicUser {
  const deleted = user.state === 'deleted'
  return {
    id: user.id,
    username: deleted ? 'deleted' : user.username,
    nickname: deleted ? 'Deleted user' : user.nickname,
    bio: deleted ? '' : user.bio,
    avatarFileId: deleted ? null : user.avatarFileId,
    deleted,
  }
}

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
    mentionAlertMuted: user.mentionAlertMuted,
  }
}
