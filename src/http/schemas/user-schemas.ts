import { Type } from 'typebox'
import { Id, IsoTime } from './common.js'

export const Status = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('busy'), Type.Literal('invisible')])

export const Username = Type.String({ minLength: 3, maxLength: 32, description: '[a-z0-9_.-]{3,32} after lower-casing' })
export const Password = Type.String({ minLength: 1, maxLength: 128 })
export const Nickname = Type.String({ minLength: 1, maxLength: 64 })

/** The signed-in user's own profile. */
export const SelfUser = Type.Object({
  id: Id,
  username: Type.String(),
  nickname: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  emailVerified: Type.Boolean(),
  bio: Type.String(),
  avatarFileId: Type.Union([Type.String(), Type.Null()]),
  status: Status,
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  createdAt: IsoTime,
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
