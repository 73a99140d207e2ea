import { toIso } from '../../shared/clock.js'
import type { PublicUser } from '../users/user.js'

export const FRIEND_REQUEST_STATUSES = ['pending', 'accepted', 'rejected', 'withdrawn'] as const
export type FriendRequestStatus = (typeof FRIEND_REQUEST_STATUSES)[number]
/** How a pending request ends. */
export type FriendRequestAnswer = Exclude<FriendRequestStatus, 'pending'>

export interface FriendRequest {
  id: string
  fromUserId: string
  toUserId: string
  note: string
  /** posted as a direct message from the requester once the request is accepted */
  greeting: string
  status: FriendRequestStatus
  createdAt: number
  updatedAt: number
}

/** One side of a friendship: `userId` sees `friendId` under `remark`. */
export interface Friendship {
  userId: string
  friendId: string
  remark: string
  createdAt: number
}

export interface Block {
  userId: string
  blockedId: string
  createdAt: number
}

/** A request with both people's public profiles, as lists and events show it. */
export interface FriendRequestWithUsers {
  request: FriendRequest
  from: PublicUser
  to: PublicUser
}

/** The JSON shape of a request, shared by HTTP responses and WebSocket events. */
export interface FriendRequestPayload {
  id: string
  fromUserId: string
  toUserId: string
  note: string
  greeting: string
  status: FriendRequestStatus
  createdAt: string
  updatedAt: string
  from: PublicUser
  to: PublicUser
}

export function friendRequestPayload({ request, from, to }: FriendRequestWithUsers): FriendRequestPayload {
  return {
    id: request.id,
    fromUserId: request.fromUserId,
    toUserId: request.toUserId,
    note: request.note,
    greeting: request.greeting,
    status: request.status,
    createdAt: toIso(request.createdAt)!,
    updatedAt: toIso(request.updatedAt)!,
    from,
    to,
  }
}

/** `minId:maxId`: the same key whichever of the two asks. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`
}

/** An accepted friend request, as `friend.accepted` announces it (messaging posts the greeting). */
export interface AcceptedRequest {
  id: string
  fromUserId: string
  toUserId: string
  greeting: string
}

/** A friendship ended: by `DELETE /friends/{id}` (`removed`) or because `userId` blocked `friendId`. */
export interface RemovedFriendship {
  userId: string
  friendId: string
  /** the remover asked to clear their copy of the direct history */
  deleteHistory: boolean
  /** and the friend's copy too (only with `deleteHistory`) */
  forBoth?: true
  reason: 'removed' | 'blocked'
}
