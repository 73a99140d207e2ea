import { Type, type Static } from 'typebox'
import { Id, IsoTime } from './common.js'
import { Presence, PublicUser } from './users.js'

export const FriendRequestStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('accepted'),
  Type.Literal('rejected'),
  Type.Literal('withdrawn'),
])

/** A friend request with both people's public profiles (the same shape over HTTP and WebSocket). */
export const FriendRequest = Type.Object({
  id: Id,
  fromUserId: Id,
  toUserId: Id,
  note: Type.String(),
  greeting: Type.String(),
  status: FriendRequestStatus,
  createdAt: IsoTime,
  updatedAt: IsoTime,
  from: PublicUser,
  to: PublicUser,
})

export const Friend = Type.Object({
  user: PublicUser,
  remark: Type.String(),
  /** when we became friends */
  since: IsoTime,
  presence: Presence,
})

export const BlockedUser = Type.Object({ user: PublicUser, blockedAt: IsoTime })

export type FriendRequestStatus = Static<typeof FriendRequestStatus>
export type FriendRequest = Static<typeof FriendRequest>
export type Friend = Static<typeof Friend>
export type BlockedUser = Static<typeof BlockedUser>
