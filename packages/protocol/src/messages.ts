import { Type, type Static } from 'typebox'
import { Id, IsoTime } from './common.js'
import { PublicUser } from './users.js'

/** Message types a client may send; `system` messages are written by the server only. */
export const CLIENT_MESSAGE_TYPES = ['text', 'image', 'file', 'voice', 'video', 'location', 'sticker'] as const
export const ClientMessageType = Type.Union([
  Type.Literal('text'),
  Type.Literal('image'),
  Type.Literal('file'),
  Type.Literal('voice'),
  Type.Literal('video'),
  Type.Literal('location'),
  Type.Literal('sticker'),
])
export const MessageType = Type.Union([...ClientMessageType.anyOf, Type.Literal('system')])

/** One emoji's reactions on a message. */
export const Reaction = Type.Object({
  emoji: Type.String({ description: 'one emoji (an RGI emoji sequence)' }),
  count: Type.Integer({ description: 'how many members reacted with it' }),
  userIds: Type.Array(Id, {
    description: 'who reacted, first reactors first; at most a few (see `GET …/reactions/{emoji}` for all of them)',
  }),
})

/** A stored message, as HTTP and WebSocket return it. */
export const Message = Type.Object({
  id: Id,
  conversationId: Id,
  seq: Type.Integer({ description: 'position in its conversation: 1, 2, 3... with no gaps' }),
  senderId: Type.Union([Type.String(), Type.Null()], { description: 'null for system messages' }),
  clientMsgId: Type.String({ description: 'the sender’s idempotency key' }),
  type: Type.String({ description: 'a MessageType: text, image, file, voice, video, location, sticker or system' }),
  content: Type.Record(Type.String(), Type.Unknown(), { description: 'the type’s fields, e.g. text: {text, mentions?, replyTo?}' }),
  createdAt: IsoTime,
  editedAt: Type.Union([IsoTime, Type.Null()]),
  recalledAt: Type.Union([IsoTime, Type.Null()]),
  modSeq: Type.Integer({ description: 'the conversation modSeq of its last edit, recall or reaction (0: never changed)' }),
  reactions: Type.Optional(
    Type.Array(Reaction, { description: 'emoji reactions, in the order each emoji was first used; absent when none' }),
  ),
})

/** `GET /conversations/{id}/messages/{seq}/reactions/{emoji}` answer: who reacted with one emoji. */
export const ReactionUsersPage = Type.Object({
  userIds: Type.Array(Id),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

export const ConversationKind = Type.Union([Type.Literal('direct'), Type.Literal('group'), Type.Literal('world')])

/** How far one member has read a conversation. */
export const ReadPosition = Type.Object({ userId: Id, seq: Type.Integer() })

/** A pinned message's place in a conversation (the message itself: `GET /conversations/{id}/pins`). */
export const Pin = Type.Object({
  seq: Type.Integer(),
  pinnedBy: Id,
  pinnedAt: IsoTime,
})

/** `GET /conversations/{id}/pins` item: a pin with its message. */
export const PinnedMessage = Type.Object({ ...Pin.properties, message: Message })

/** One conversation as its member sees it. */
export const Conversation = Type.Object({
  id: Id,
  kind: ConversationKind,
  peer: Type.Union([PublicUser, Type.Null()], { description: 'direct only: the other user' }),
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
  lastMessage: Type.Union([Message, Type.Null()]),
  lastActivityAt: IsoTime,
  reads: Type.Optional(
    Type.Array(ReadPosition, {
      description:
        '`GET /conversations/{id}` only: how far the other current members have read (direct: the peer; groups of up to 50 members: each), for read ticks and "read by N" after a reload; absent for the world, larger groups (ask `GET …/messages/{seq}/reads`) and former members; empty across a block.',
    }),
  ),
  pins: Type.Optional(Type.Array(Pin, { description: 'pinned messages I may see, newest pin first (absent when none)' })),
  mentionCount: Type.Optional(Type.Integer({ description: 'unread messages that mention me or @all (the @ badge); absent when none' })),
})

/** `GET /conversations/{id}/messages` answer. */
export const MessagePage = Type.Object({
  items: Type.Array(Message),
  hasMore: Type.Boolean(),
  modSeq: Type.Optional(Type.Integer({ description: 'with changedSince: the conversation modSeq the page reaches' })),
})

export type MessageType = Static<typeof MessageType>
export type ClientMessageType = Static<typeof ClientMessageType>
export type Message = Static<typeof Message>
export type Reaction = Static<typeof Reaction>
export type ReactionUsersPage = Static<typeof ReactionUsersPage>
export type Pin = Static<typeof Pin>
export type PinnedMessage = Static<typeof PinnedMessage>
export type ConversationKind = Static<typeof ConversationKind>
export type Conversation = Static<typeof Conversation>
export type ReadPosition = Static<typeof ReadPosition>
export type MessagePage = Static<typeof MessagePage>
