import { Type, type Static } from 'typebox'
import { Call, CallCandidate, CallDescription } from './calls.js'
import { Id } from './common.js'
import { FriendRequest, FriendRequestStatus } from './friends.js'
import { Group, Invitation, JoinRequest, JoinVia, LeaveReason, Member } from './groups.js'
import { Limits } from './limits.js'
import { Conversation, Message, ReadPosition } from './messages.js'
import { PublicUser, SelfUser, ShownStatus } from './users.js'

/**
 * Frames the server sends on `/api/v1/ws`: a closed union, discriminated by `type`. The server
 * can only send what is listed here (its socket's `send` takes `ServerFrame`), and a client
 * switching on `type` sees every case.
 */

const frame = <T extends string, P extends Parameters<typeof Type.Object>[0]>(type: T, properties: P, description: string) =>
  Type.Object({ type: Type.Literal(type), ...properties }, { description })

const ReplyTo = Type.Optional(
  Type.Union([Type.String(), Type.Number(), Type.Null()], { description: 'the `id` of the client frame this answers' }),
)

export const ReadyFrame = frame(
  'ready',
  { userId: Id, sessionId: Id, connectionId: Id, heartbeatSeconds: Type.Integer(), limits: Limits },
  'The socket is authenticated; the first frame. Send `resume` next if you hold positions.',
)
export const PongFrame = frame('pong', { id: Type.Union([Type.String(), Type.Number(), Type.Null()]) }, 'Answers `ping`.')

export const MessageCreatedFrame = frame('message.created', { message: Message }, 'A new message, in seq order per conversation.')
export const MessageUpdatedFrame = frame('message.updated', { message: Message }, 'A message was edited (its modSeq moved).')
export const MessageRecalledFrame = frame('message.recalled', { message: Message }, 'A message was recalled (content emptied).')
export const MessageReactionFrame = frame(
  'message.reaction',
  { message: Message, userId: Id, emoji: Type.String(), added: Type.Boolean() },
  'Someone added (or removed) a reaction: `message` carries the new `reactions` and modSeq.',
)
export const MessageHiddenFrame = frame(
  'message.hidden',
  { conversationId: Id, seq: Type.Integer(), modSeq: Type.Integer() },
  'I deleted a message for me (on this or another device): drop it from the view. Only my devices get it.',
)
export const MessageAckFrame = frame(
  'message.ack',
  { ref: Type.Union([Type.String(), Type.Number()]), message: Message },
  'Answers `message.send` once the message is stored (also for a retry of a stored clientMsgId).',
)

export const ConversationReadFrame = frame(
  'conversation.read',
  { conversationId: Id, userId: Id, seq: Type.Integer() },
  'Someone (or my other device) read up to `seq`.',
)
export const ConversationReadsFrame = frame(
  'conversation.read',
  { conversationId: Id, reads: Type.Array(ReadPosition) },
  'Large groups: read receipts coalesced (about one frame per second per conversation).',
)
export const ConversationUpdatedFrame = frame(
  'conversation.updated',
  { conversation: Conversation },
  'A conversation as it now is for me (pinned, muted or cleared on another device; news found by `resume`).',
)

export const TypingFrame = frame('typing', { conversationId: Id, userId: Id }, 'Someone is typing (small groups and direct chats).')
export const TypingManyFrame = frame(
  'typing',
  { conversationId: Id, userIds: Type.Array(Id) },
  'Large groups: who typed in the last second, coalesced.',
)

export const PresenceFrame = frame(
  'presence',
  { userId: Id, status: ShownStatus, connected: Type.Boolean() },
  'A friend’s or peer’s shown status changed.',
)
export const UserUpdatedFrame = frame('user.updated', { user: SelfUser }, 'My own profile changed (on another device).')
export const PeerUpdatedFrame = frame(
  'user.updated',
  { user: PublicUser },
  'Someone I share a chat with (a friend, a direct peer, a member of a shared group) changed nickname or avatar: `user.id` is not mine. Sent to those online, at most about once per second per user (the latest profile).',
)

export const FriendRequestFrame = frame(
  'friend.request',
  { request: FriendRequest },
  'A friend request to me, or mine (to my other devices).',
)
export const FriendRequestUpdatedFrame = frame(
  'friend.request_updated',
  { request: FriendRequest, status: FriendRequestStatus },
  'A request was accepted, rejected or withdrawn.',
)
export const FriendRemovedFrame = frame('friend.removed', { userId: Id }, 'A friendship ended (removed or blocked).')

export const GroupUpdatedFrame = frame('group.updated', { groupId: Id, group: Group, actorId: Id }, 'A group’s profile changed.')
export const GroupMemberJoinedFrame = frame(
  'group.member_joined',
  { groupId: Id, userIds: Type.Array(Id), actorId: Id, via: JoinVia, members: Type.Array(Member), group: Group },
  'Members joined (the new members get it too).',
)
export const GroupMemberLeftFrame = frame(
  'group.member_left',
  { groupId: Id, userId: Id, reason: LeaveReason, actorId: Id, memberCount: Type.Integer() },
  'A member left or was removed (a removed member gets it about themselves).',
)
export const GroupMemberUpdatedFrame = frame(
  'group.member_updated',
  {
    groupId: Id,
    member: Member,
    actorId: Id,
    changes: Type.Array(Type.Union([Type.Literal('role'), Type.Literal('mutedUntil'), Type.Literal('groupNickname')])),
  },
  'A member’s role, mute or group nickname changed.',
)
export const GroupDissolvedFrame = frame(
  'group.dissolved',
  { groupId: Id, name: Type.String(), actorId: Id },
  'The owner dissolved the group.',
)
export const GroupInvitationFrame = frame('group.invitation', { invitation: Invitation }, 'I was invited to a group.')
export const GroupJoinRequestFrame = frame(
  'group.join_request',
  { groupId: Id, request: JoinRequest },
  'To owner and admins: someone asked to join.',
)
export const GroupJoinRequestUpdatedFrame = frame(
  'group.join_request_updated',
  { groupId: Id, requestId: Id, status: Type.Literal('rejected') },
  'To the requester: the request was rejected (approval arrives as `group.member_joined`).',
)

export const ResumedFrame = frame(
  'resumed',
  { positions: Type.Record(Type.String(), Type.Integer()), replyTo: ReplyTo },
  'The end of a `resume` answer: the seq each listed conversation is now complete to.',
)
export const ResyncRequiredFrame = frame(
  'resync_required',
  { conversationId: Id, lastSeq: Type.Integer() },
  'Too much was missed in this conversation for `resume`: page history instead.',
)
export const SyncFrame = frame('sync', {}, 'The server may have missed pushes (broker reconnect): send `resume`.')
export const SessionRevokedFrame = frame('session.revoked', { reason: Type.String() }, 'The session ended; the socket closes with 4001.')
export const ErrorFrame = frame(
  'error',
  {
    code: Type.String({ description: 'a code of the error catalogue' }),
    message: Type.String(),
    ref: Type.Optional(
      Type.Union([Type.String(), Type.Number(), Type.Null()], { description: 'the `ref` of the `message.send` this answers' }),
    ),
    replyTo: ReplyTo,
    conversationId: Type.Optional(Type.String()),
    details: Type.Optional(Type.Unknown()),
    retryAfter: Type.Optional(Type.Integer({ description: 'seconds, for `rate_limited` and `service.unavailable`' })),
  },
  'A client frame failed.',
)

export const CallUpdatedFrame = frame(
  'call.updated',
  { call: Call, replyTo: ReplyTo },
  'A call as it now is (ringing, someone joined or left, muted, ended with its reason): to both users of a direct call, to the members of a group. Also answers `call.start`/`call.join`/`call.decline`/`call.leave` (with `replyTo`).',
)
export const CallSignalServerFrame = frame(
  'call.signal',
  {
    callId: Id,
    fromUserId: Id,
    fromConnectionId: Type.String(),
    description: Type.Optional(CallDescription),
    candidate: Type.Optional(CallCandidate),
  },
  'WebRTC signalling from another participant, to this socket only.',
)

/** Every server frame schema (a type may have two shapes: `conversation.read`, `typing`, `user.updated`). */
export const SERVER_FRAMES = [
  ReadyFrame,
  PongFrame,
  MessageCreatedFrame,
  MessageUpdatedFrame,
  MessageRecalledFrame,
  MessageReactionFrame,
  MessageHiddenFrame,
  MessageAckFrame,
  ConversationReadFrame,
  ConversationReadsFrame,
  ConversationUpdatedFrame,
  TypingFrame,
  TypingManyFrame,
  PresenceFrame,
  UserUpdatedFrame,
  PeerUpdatedFrame,
  FriendRequestFrame,
  FriendRequestUpdatedFrame,
  FriendRemovedFrame,
  GroupUpdatedFrame,
  GroupMemberJoinedFrame,
  GroupMemberLeftFrame,
  GroupMemberUpdatedFrame,
  GroupDissolvedFrame,
  GroupInvitationFrame,
  GroupJoinRequestFrame,
  GroupJoinRequestUpdatedFrame,
  ResumedFrame,
  ResyncRequiredFrame,
  SyncFrame,
  SessionRevokedFrame,
  CallUpdatedFrame,
  CallSignalServerFrame,
  ErrorFrame,
] as const

export const ServerFrame = Type.Union([...SERVER_FRAMES])
export type ServerFrame = Static<typeof ServerFrame>
export type ServerFrameType = ServerFrame['type']
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>
