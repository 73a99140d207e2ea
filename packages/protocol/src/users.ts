import { Type, type Static } from 'typebox'
import { Id, IsoTime } from './common.js'

/** The status a user chooses; `invisible` shows as `offline` to others. */
export const UserStatus = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('busy'), Type.Literal('invisible')])

/** A status as others see it. */
export const ShownStatus = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('busy'), Type.Literal('offline')])

/** Chosen status plus whether the user has a live socket. */
export const Presence = Type.Object({ status: ShownStatus, connected: Type.Boolean() })

/** The signed-in user's own profile. */
export const SelfUser = Type.Object({
  id: Id,
  username: Type.String(),
  nickname: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  emailVerified: Type.Boolean(),
  bio: Type.String(),
  avatarFileId: Type.Union([Type.String(), Type.Null()]),
  status: UserStatus,
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  createdAt: IsoTime,
  mentionAlertMuted: Type.Boolean({ description: 'a mention of me (or @all) alerts even in a chat I muted' }),
})

/** What anyone may see of a user. */
export const PublicUser = Type.Object({
  id: Id,
  username: Type.String(),
  nickname: Type.String(),
  bio: Type.String(),
  avatarFileId: Type.Union([Type.String(), Type.Null()]),
  deleted: Type.Boolean(),
})

/** `POST /auth/login` answer. */
export const LoginResult = Type.Object({ token: Type.String(), expiresAt: IsoTime, sessionId: Id, user: SelfUser })

export type UserStatus = Static<typeof UserStatus>
export type ShownStatus = Static<typeof ShownStatus>
export type Presence = Static<typeof Presence>
export type SelfUser = Static<typeof SelfUser>
export type PublicUser = Static<typeof PublicUser>
export type LoginResult = Static<typeof LoginResult>
