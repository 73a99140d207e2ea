import { Type, type Static } from 'typebox'
import { Id, IsoTime } from './common.js'

/**
 * Voice and video calls: the server keeps who is in which call and relays WebRTC signalling
 * (SDP and ICE candidates) between participants' sockets; media flows peer to peer (a mesh of
 * one connection per pair of participants), through TURN where NAT requires it.
 */

/** Bounds of signalling payloads (a video offer with simulcast is a few KB; candidates are one line). */
export const CALL_LIMITS = { maxSdpLength: 20_000, maxCandidateLength: 1024 } as const

export const CallMedia = Type.Union([Type.Literal('voice'), Type.Literal('video')])
export type CallMedia = Static<typeof CallMedia>

export const CallState = Type.Union([Type.Literal('ringing'), Type.Literal('active'), Type.Literal('ended')], {
  description: 'ringing until the first callee joins, active while anyone talks, then ended (for good)',
})
export type CallState = Static<typeof CallState>

export const CallEndReason = Type.Union(
  [
    Type.Literal('completed'),
    Type.Literal('missed'),
    Type.Literal('declined'),
    Type.Literal('busy'),
    Type.Literal('cancelled'),
    Type.Literal('failed'),
  ],
  {
    description:
      'completed: it was answered; missed: nobody answered in time; declined: the callee declined; busy: the callee was in another call; cancelled: the caller hung up before an answer; failed: the participants dropped (socket or instance lost)',
  },
)
export type CallEndReason = Static<typeof CallEndReason>

export const CallParticipantState = Type.Union([
  Type.Literal('invited'),
  Type.Literal('joined'),
  Type.Literal('left'),
  Type.Literal('declined'),
])
export type CallParticipantState = Static<typeof CallParticipantState>

export const CallParticipant = Type.Object({
  userId: Id,
  state: CallParticipantState,
  connectionId: Type.Union([Type.String(), Type.Null()], {
    description: 'the socket (device) that is in the call while joined; signalling is addressed to it',
  }),
  muted: Type.Boolean(),
  cameraOff: Type.Boolean(),
  joinedAt: Type.Union([IsoTime, Type.Null()]),
})
export type CallParticipant = Static<typeof CallParticipant>

export const Call = Type.Object({
  id: Id,
  conversationId: Id,
  kind: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
  media: CallMedia,
  state: CallState,
  initiatorId: Id,
  createdAt: IsoTime,
  answeredAt: Type.Union([IsoTime, Type.Null()]),
  endedAt: Type.Union([IsoTime, Type.Null()]),
  endReason: Type.Union([CallEndReason, Type.Null()]),
  maxParticipants: Type.Integer(),
  participants: Type.Array(CallParticipant, {
    description:
      'direct: both users (the callee `invited` while ringing); group: whoever joined or declined (every member is invited while it runs)',
  }),
})
export type Call = Static<typeof Call>

/** One WebRTC session description (an offer or an answer), as `RTCSessionDescriptionInit`. */
export const CallDescription = Type.Object({
  type: Type.Union([Type.Literal('offer'), Type.Literal('answer'), Type.Literal('rollback')]),
  sdp: Type.String({ maxLength: CALL_LIMITS.maxSdpLength }),
})
/** One trickled ICE candidate, as `RTCIceCandidateInit`. */
export const CallCandidate = Type.Object({
  candidate: Type.String({ maxLength: CALL_LIMITS.maxCandidateLength }),
  sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
  sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 64 }), Type.Null()])),
  usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
})

/** The answer of `GET /api/v1/calls/ice-servers`: pass `iceServers` to `new RTCPeerConnection`. */
export const IceServers = Type.Object({
  iceServers: Type.Array(
    Type.Object({
      urls: Type.Array(Type.String()),
      username: Type.Optional(Type.String()),
      credential: Type.Optional(Type.String()),
    }),
  ),
  ttlSeconds: Type.Integer({ description: 'how long the TURN credential is valid (fetch new ones before each call)' }),
})
export type IceServers = Static<typeof IceServers>
