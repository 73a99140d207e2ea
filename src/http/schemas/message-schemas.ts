import { Type } from 'typebox'
import { Id, IsoTime } from './common.js'
import { PublicUser } from './user-schemas.js'

/** What a client sends, shared by `POST /conversations/{id}/messages` and the `message.send` frame. */
export const SendFields = {
  clientMsgId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }),
  type: Type.String({ maxLength: 16 }),
  content: Type.Record(Type.String(), Type.Unknown()),
}

export const MessageSchema = Type.Object(
  {
    id: Id,
    conversationId: Id,
    seq: Type.Integer(),
    senderId: Type.Union([Type.String(), Type.Null()]),
    clientMsgId: Type.String(),
    type: Type.String(),
    content: Type.Record(Type.String(), Type.Unknown()),
    createdAt: IsoTime,
    editedAt: Type.Union([IsoTime, Type.Null()]),
    recalledAt: Type.Union([IsoTime, Type.Null()]),
    modSeq: Type.Integer(),
  },
  { $id: 'Message' },
)

export const ConversationSchema = Type.Object(
  {
    id: Id,
    kind: Type.Union([Type.Literal('direct'), Type.Literal('group'), Type.Literal('world')]),
    peer: Type.Union([PublicUser, Type.Null()]),
    group: Type.Union([Type.Object({ id: Id, name: Type.String(), avatarFileId: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
    lastSeq: Type.Integer(),
    modSeq: Type.Integer(),
    readSeq: Type.Integer(),
    unreadCount: Type.Integer(),
    joinSeq: Type.Integer(),
    leftSeq: Type.Union([Type.Integer(), Type.Null()]),
    clearedSeq: Type.Integer(),
    pinned: Type.Boolean(),
    muted: Type.Boolean(),
    lastMessage: Type.Union([Type.Ref('Message'), Type.Null()]),
    lastActivityAt: IsoTime,
  },
  { $id: 'Conversation' },
)
