import type { Message } from '../messages/message.js'
import type { Call, CallEndReason, CallMedia } from './call.js'

/** A new call with its first participants (the caller joined from their socket). */
export interface NewCall {
  id: string
  conversationId: string
  kind: 'direct' | 'group'
  media: CallMedia
  initiatorId: string
  connectionId: string
  /** direct calls: the callee, `invited` */
  inviteeIds: readonly string[]
  now: number
}

/** A call that ended, with the system message that tells its conversation. */
export interface EndedCall {
  call: Call
  message: Message
  membershipVersion: number
}

/**
 * Calls and their participants. Every state change is one conditional write, so two instances (or
 * two devices) racing for the same change see one winner: the others get `null`/`false` back.
 */
export interface CallStore {
  /** Stores a new call; `running` (with its id) when the conversation has a call that has not ended. */
  create(call: NewCall): Promise<{ kind: 'created'; call: Call } | { kind: 'running'; callId: string }>
  find(callId: string): Promise<Call | null>
  /** The call of a conversation that has not ended, if any. */
  runningIn(conversationId: string): Promise<Call | null>
  /** Whether the user is joined (from any device) in a call that has not ended, other than `exceptCallId`. */
  isInCall(userId: string, exceptCallId?: string): Promise<boolean>
  /**
   * Joins `userId` from `connectionId`: from `invited` (direct: false when another device was
   * first), or, in group calls, from no row, `left` or `declined`. A ringing call becomes active.
   */
  join(q: { callId: string; userId: string; connectionId: string; group: boolean; now: number }): Promise<boolean>
  /** invited (or, in groups, no row) → declined; false when already answered or declined. */
  decline(q: { callId: string; userId: string; group: boolean; now: number }): Promise<boolean>
  /** joined from this connection (any connection when null) → left; false when not joined so. */
  leave(q: { callId: string; userId: string; connectionId: string | null; now: number }): Promise<boolean>
  /** Records a joined participant's microphone and camera state; false when not joined from that socket. */
  setMedia(q: { callId: string; userId: string; connectionId: string; muted: boolean; cameraOff: boolean }): Promise<boolean>
  /**
   * Ends a call that has not ended: every participant still in leaves, and a `system` message
   * `{event: "call", ...content}` is appended to its conversation, in one transaction. Null when
   * it had ended already (someone else ended it).
   */
  end(q: { callId: string; reason: CallEndReason; now: number; content: Record<string, unknown> }): Promise<EndedCall | null>
  /** Marks these sockets' joined participations as alive now (their instance is up). */
  touch(connectionIds: readonly string[], now: number): Promise<void>
  /** Joined participants not seen since `before` (their instance died), and those who left the conversation. */
  stale(before: number): Promise<Array<{ callId: string; userId: string }>>
  /** Calls ringing since before `before` (their timer's instance may have died). */
  ringingSince(before: number): Promise<string[]>
}
