import { Type, type Static } from 'typebox'
import { ClientMessageType } from './messages.js'

/**
 * Frames a client sends on `/api/v1/ws`. Every frame is a JSON object with a `type`; the server
 * validates each against its schema here and answers a bad one with an `error` frame
 * (`request.invalid`). Extra fields are ignored, except in `message.send`.
 */

/** An optional correlation id some frames carry; the server echoes it as `replyTo`. */
const FrameId = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Number()]))
const ConversationRef = Type.String({ minLength: 1, maxLength: 64, description: 'a conversation id' })
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })

export const AuthFrame = Type.Object(
  { type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: 512 }) },
  { description: 'The first frame of a browser socket (browsers cannot set an Authorization header).' },
)

export const PingFrame = Type.Object({ type: Type.Literal('ping'), id: FrameId }, { description: 'Answered by `pong` with the same id.' })

export const TypingClientFrame = Type.Object(
  { type: Type.Literal('typing'), conversationId: ConversationRef },
  { description: 'I am typing here (throttled by the server; none in the world channel).' },
)

/** Where a client is in one conversation: the last seq seen, or that and the last modSeq seen. */
export const ResumePosition = Type.Union([Seq, Type.Object({ seq: Seq, modSeq: Type.Optional(Seq) })])

export const ResumeFrame = Type.Object(
  {
    type: Type.Literal('resume'),
    id: FrameId,
    positions: Type.Record(Type.String(), ResumePosition, { description: '{conversationId: lastSeq | {seq, modSeq}}' }),
  },
  {
    description:
      'Replays what was missed after each position (messages, then edits and recalls after modSeq, then conversations not listed), then `resumed`; or `resync_required` for a conversation with too much missed.',
  },
)

export const MessageSendFrame = Type.Object(
  {
    type: Type.Literal('message.send'),
    ref: Type.Union([Type.String({ maxLength: 64 }), Type.Number()], {
      description: 'the client’s correlation id, echoed by `message.ack` or `error`',
    }),
    conversationId: ConversationRef,
    clientMsgId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$', description: 'idempotency key' }),
    messageType: ClientMessageType,
    content: Type.Record(Type.String(), Type.Unknown()),
  },
  {
    additionalProperties: false,
    description:
      'Sends a message, like `POST /conversations/{id}/messages` (same rules, codes and idempotency); answered by `message.ack` once stored, or `error` with the same ref. Unknown fields are refused.',
  },
)

/** Every client frame schema by type. */
export const CLIENT_FRAMES = {
  auth: AuthFrame,
  ping: PingFrame,
  typing: TypingClientFrame,
  resume: ResumeFrame,
  'message.send': MessageSendFrame,
} as const

export type ClientFrameType = keyof typeof CLIENT_FRAMES
export type ClientFrameOf<T extends ClientFrameType> = Static<(typeof CLIENT_FRAMES)[T]>
export type ClientFrame = { [T in ClientFrameType]: ClientFrameOf<T> }[ClientFrameType]
export type ResumePosition = Static<typeof ResumePosition>
