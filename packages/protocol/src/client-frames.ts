import { Type, type Static } from 'typebox'
import { CallCandidate, CallDescription, CallMedia } from './calls.js'
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

const CallRef = Type.String({ minLength: 1, maxLength: 64, description: 'a call id' })

export const CallStartFrame = Type.Object(
  { type: Type.Literal('call.start'), id: FrameId, conversationId: ConversationRef, media: CallMedia },
  {
    description:
      'Starts a call in a direct or group chat from this socket: the others’ devices ring. Answered by `call.updated` (with `replyTo`), or `error` (`call.busy`, `call.running` with the running call’s id, `call.blocked`...).',
  },
)
export const CallJoinFrame = Type.Object(
  { type: Type.Literal('call.join'), id: FrameId, callId: CallRef },
  {
    description:
      'Answers a ringing call, or joins a running group call, from this socket (the other devices stop ringing). The joiner then sends an offer to every participant already joined.',
  },
)
export const CallDeclineFrame = Type.Object(
  { type: Type.Literal('call.decline'), id: FrameId, callId: CallRef },
  { description: 'Declines a ringing call on every device of mine (a direct call ends as `declined`).' },
)
export const CallLeaveFrame = Type.Object(
  { type: Type.Literal('call.leave'), id: FrameId, callId: CallRef },
  { description: 'Hangs up (before an answer: cancels the call).' },
)
export const CallSignalFrame = Type.Object(
  {
    type: Type.Literal('call.signal'),
    callId: CallRef,
    toConnectionId: Type.String({ minLength: 1, maxLength: 64, description: 'the participant’s `connectionId`' }),
    description: Type.Optional(CallDescription),
    candidate: Type.Optional(CallCandidate),
  },
  {
    additionalProperties: false,
    description:
      'WebRTC signalling to one other participant of a call I am in (an SDP offer/answer or an ICE candidate); relayed as `call.signal`. Refused (`call.not_in_call`, nothing relayed) unless both are joined.',
  },
)
export const CallMediaFrame = Type.Object(
  { type: Type.Literal('call.media'), callId: CallRef, muted: Type.Boolean(), cameraOff: Type.Boolean() },
  { description: 'My microphone and camera state in a call I am in; the others see it in `call.updated`.' },
)

/** Every client frame schema by type. */
export const CLIENT_FRAMES = {
  auth: AuthFrame,
  ping: PingFrame,
  typing: TypingClientFrame,
  resume: ResumeFrame,
  'message.send': MessageSendFrame,
  'call.start': CallStartFrame,
  'call.join': CallJoinFrame,
  'call.decline': CallDeclineFrame,
  'call.leave': CallLeaveFrame,
  'call.signal': CallSignalFrame,
  'call.media': CallMediaFrame,
} as const

export type ClientFrameType = keyof typeof CLIENT_FRAMES
export type ClientFrameOf<T extends ClientFrameType> = Static<(typeof CLIENT_FRAMES)[T]>
export type ClientFrame = { [T in ClientFrameType]: ClientFrameOf<T> }[ClientFrameType]
export type ResumePosition = Static<typeof ResumePosition>
