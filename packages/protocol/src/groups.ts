import { Type, type Static } from 'typebox'
import { Id, IsoTime } from './common.js'
import { PublicUser } from './users.js'

export const JoinPolicy = Type.Union([Type.Literal('open'), Type.Literal('approval'), Type.Literal('invite')], {
  description:
    '`open`: anyone joins; `approval`: a join request owner/admins decide; `invite`: by invitation only (invisible to non-members)',
})
export const GroupRole = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')])

/** A group: members get every field; others (search, public profile) only the first seven. */
export const Group = Type.Object({
  id: Id,
  name: Type.String(),
  avatarFileId: Type.Union([Type.String(), Type.Null()]),
  joinPolicy: JoinPolicy,
  memberCount: Type.Integer(),
  maxMembers: Type.Integer(),
  createdAt: IsoTime,
  conversationId: Type.Optional(Id),
  announcement: Type.Optional(Type.String()),
  muteAll: Type.Optional(Type.Boolean()),
  ownerId: Type.Optional(Id),
  updatedAt: Type.Optional(IsoTime),
  myRole: Type.Optional(GroupRole),
})

export const Member = Type.Object({
  userId: Id,
  role: GroupRole,
  groupNickname: Type.String(),
  mutedUntil: Type.Union([IsoTime, Type.Null()], { description: 'group mute set by owner/admins; null when not muted' }),
  joinedAt: IsoTime,
  user: PublicUser,
})

export const Invitation = Type.Object({
  id: Id,
  groupId: Id,
  group: Group,
  inviter: PublicUser,
  status: Type.String(),
  createdAt: IsoTime,
})

export const JoinRequest = Type.Object({
  id: Id,
  groupId: Id,
  user: PublicUser,
  message: Type.String(),
  status: Type.String(),
  createdAt: IsoTime,
})

export const Ban = Type.Object({ userId: Id, user: PublicUser, bannedBy: Id, createdAt: IsoTime })

/** Why someone left a group. */
export const LeaveReason = Type.Union([Type.Literal('left'), Type.Literal('removed'), Type.Literal('banned')])
/** How someone came in. */
export const JoinVia = Type.Union([Type.Literal('join'), Type.Literal('invitation'), Type.Literal('request'), Type.Literal('added')])

export type JoinPolicy = Static<typeof JoinPolicy>
export type GroupRole = Static<typeof GroupRole>
export type Group = Static<typeof Group>
export type Member = Static<typeof Member>
export type Invitation = Static<typeof Invitation>
export type JoinRequest = Static<typeof JoinRequest>
export type Ban = Static<typeof Ban>
export type LeaveReason = Static<typeof LeaveReason>
export type JoinVia = Static<typeof JoinVia>
