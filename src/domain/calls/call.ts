import type { CallEndReason, CallMedia, CallParticipantState, CallState } from '@jim/protocol'

export type { CallEndReason, CallMedia, CallParticipantState, CallState }

/** One user's part in a call. */
export interface CallParticipant {
  userId: string
  state: CallParticipantState
  /** the socket that is in the call while joined (signalling is addressed to it) */
  connectionId: string | null
  muted: boolean
  cameraOff: boolean
  joinedAt: number | null
  leftAt: number | null
}

/** A call as stored: the conversation it belongs to, its state and everyone who took part. */
export interface Call {
  id: string
  conversationId: string
  kind: 'direct' | 'group'
  media: CallMedia
  state: CallState
  initiatorId: string
  createdAt: number
  answeredAt: number | null
  endedAt: number | null
  endReason: CallEndReason | null
  participants: CallParticipant[]
}

export function joinedOf(call: Call): CallParticipant[] {
  return call.participants.filter((p) => p.state === 'joined')
}
