import { Type } from 'typebox'
import { Id, IsoTime } from './common.js'
import { PublicUser } from './user-schemas.js'

export const RequestStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('accepted'),
  Type.Literal('rejected'),
  Type.Literal('withdrawn'),
])

export const Note = Type.String({ maxLength: 200, description: 'shown to the recipient with the request' })
export const Greeting = Type.String({ maxLength: 500, description: 'posted as a direct message from the requester on acceptance' })
export const Remark = Type.String({ maxLength: 64, description: 'my private name for this friend; empty clears it' })

/** A friend request with both people's public profiles (the same shape as in WebSocket events). */
export const FriendRequest = Type.Object({
  id: Id,
  fromUserId: Id,
  toUserId: Id,
  note: Type.String(),
  greeting: Type.String(),
  status: RequestStatus,
  createdAt: IsoTime,
  updatedAt: IsoTime,
  from: PublicUser,
  to: PublicUser,
})

export const Presence = Type.Object({
  status: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('busy'), Type.Literal('offline')]),
  connected: Type.Boolean(),
})

export const Friend = Type.Object({
  user: PublicUser,
  remark: Type.String(),
  /** when we became friends */
  since: IsoTime,
  presence: Presence,
})

export const BlockedUser = Type.Object({ user: PublicUser, blockedAt: IsoTime })
