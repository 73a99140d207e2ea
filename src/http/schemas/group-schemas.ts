import { Type } from 'typebox'
import { Group, JoinPolicy, JoinRequest, Member } from '@jim/protocol'
import { Id, IsoTime } from './common.js'

// the views are the wire contract's (@jim/protocol); request bodies stay here
export { Ban, Group, GroupRole, Invitation, JoinPolicy, JoinRequest, Member } from '@jim/protocol'

export const GroupName = Type.String({ minLength: 1, maxLength: 64 })
export const Announcement = Type.String({ maxLength: 2000 })
export const GroupNickname = Type.String({ maxLength: 64, description: 'empty clears it' })
const NullableId = Type.Union([Id, Type.Null()])

/** What became of each requested id: nobody is silently dropped. */
export const MemberReport = {
  added: Type.Array(Id, { description: 'joined at once (the inviter’s friends)' }),
  invited: Type.Array(Type.Object({ userId: Id, invitationId: Id }), { description: 'got an invitation to accept' }),
  refused: Type.Array(
    Type.Object({
      userId: Type.String(),
      code: Type.String({
        description:
          '`user.not_found` (unknown, disabled or deleted), `friend.blocked`, `group.already_member`, `group.banned`, `group.member_limit`',
      }),
    }),
  ),
}

export const UserIds = Type.Array(Id, { minItems: 1, maxItems: 200 })

export const CreateGroupBody = Type.Object(
  {
    name: GroupName,
    avatar: Type.Optional(NullableId),
    memberIds: Type.Optional(Type.Array(Id, { maxItems: 200 })),
    joinPolicy: Type.Optional(JoinPolicy),
    maxMembers: Type.Optional(Type.Integer({ minimum: 2, description: 'may only lower the configured limit (groups.maxMembers)' })),
  },
  { additionalProperties: false },
)

export const PatchGroupBody = Type.Object(
  {
    name: Type.Optional(GroupName),
    avatar: Type.Optional(NullableId),
    announcement: Type.Optional(Announcement),
    joinPolicy: Type.Optional(JoinPolicy),
    muteAll: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const PatchMemberBody = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('member')])),
    groupNickname: Type.Optional(GroupNickname),
    mutedUntil: Type.Optional(Type.Union([IsoTime, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
)

/** 200: joined; 202: a join request is waiting for owner/admins. */
export const JoinOutcome = {
  200: Type.Object({ group: Group, member: Member }),
  202: Type.Object({ joinRequest: JoinRequest }),
}
