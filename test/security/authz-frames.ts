import type { ClientFrameType } from '@jim/protocol'
import type { Frame } from '../helpers/ws-client.js'
import type { Role, Scenario } from './authz-scenario.js'

/** One try of a client frame by one role: what is sent, which frame answers it, and what that must be. */
export interface FrameAttempt {
  frame: Record<string, unknown>
  answeredBy: (f: Frame) => boolean
  /** `error <code>`, or the answering frame's type where the role may send it */
  expect: string
}

/** The conversation each role has no business in: their former group (removed), a direct chat of others, or G (outsiders). */
function foreignConversation(s: Scenario, role: Role): string {
  if (role === 'blocked') return s.blockedDirect
  if (role === 'late') return s.direct
  if (role === 'nonAdmin') return s.blockedDirect
  return s.group.conversationId
}

function sendRefusal(role: Role): string {
  if (role === 'blocked') return 'error message.blocked'
  return 'error conversation.not_found'
}

const NO_CALL = '01ARZ3NDEKTSV4RRFFQ69G5FAV'

const errorOrType = (type: string) => (f: Frame) => f.type === type || f.type === 'error'

/** Every client frame type of @jim/protocol, tried as every role (a type missing here fails the matrix test). */
export const FRAME_ROWS: Record<ClientFrameType, (s: Scenario, role: Role) => FrameAttempt> = {
  auth: (s) => ({
    // a second auth on an open socket, with someone else's token: refused, the socket stays theirs
    frame: { type: 'auth', token: s.owner.token },
    answeredBy: (f) => f.type === 'error',
    expect: 'error request.invalid',
  }),
  ping: (_, role) => ({
    frame: { type: 'ping', id: `ping-${role}` },
    answeredBy: (f) => f.type === 'pong' && f.id === `ping-${role}`,
    expect: 'pong',
  }),
  typing: (s, role) => ({
    frame: { type: 'typing', conversationId: foreignConversation(s, role) },
    answeredBy: (f) => f.type === 'error',
    expect: sendRefusal(role),
  }),
  'message.send': (s, role) => ({
    frame: {
      type: 'message.send',
      ref: `send-${role}`,
      conversationId: foreignConversation(s, role),
      clientMsgId: `frame-send-${role}`,
      messageType: 'text',
      content: { text: `send-by-${role}` },
    },
    answeredBy: (f) => f.ref === `send-${role}`,
    expect: sendRefusal(role),
  }),
  'call.start': (s, role) => ({
    frame: { type: 'call.start', id: `call-${role}`, conversationId: foreignConversation(s, role), media: 'voice' },
    answeredBy: (f) => f.replyTo === `call-${role}`,
    expect: role === 'blocked' ? 'error call.blocked' : 'error conversation.not_found',
  }),
  // no call runs in the scenario: a call id that is nobody's is refused alike for every role
  'call.join': (_, role) => ({
    frame: { type: 'call.join', id: `join-${role}`, callId: NO_CALL },
    answeredBy: (f) => f.replyTo === `join-${role}`,
    expect: 'error call.not_found',
  }),
  'call.decline': (_, role) => ({
    frame: { type: 'call.decline', id: `decline-${role}`, callId: NO_CALL },
    answeredBy: (f) => f.replyTo === `decline-${role}`,
    expect: 'error call.not_found',
  }),
  'call.leave': (_, role) => ({
    frame: { type: 'call.leave', id: `leave-${role}`, callId: NO_CALL },
    answeredBy: (f) => f.replyTo === `leave-${role}`,
    expect: 'error call.not_in_call',
  }),
  'call.signal': (s) => ({
    frame: {
      type: 'call.signal',
      callId: NO_CALL,
      toConnectionId: s.owner.id,
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' },
    },
    answeredBy: (f) => f.type === 'error',
    expect: 'error call.not_in_call',
  }),
  'call.media': () => ({
    frame: { type: 'call.media', callId: NO_CALL, muted: true, cameraOff: false },
    answeredBy: (f) => f.type === 'error',
    expect: 'error call.not_in_call',
  }),
  resume: (s, role) => {
    // from the start of what each role had: only what is theirs may come back; a stranger naming G is refused
    const theirs: Record<Role, string[]> = {
      stranger: [s.group.conversationId],
      blocked: [s.blockedDirect],
      removed: [s.group.conversationId],
      late: [s.group.conversationId],
      nonAdmin: [s.group.conversationId, s.direct],
    }
    return {
      frame: { type: 'resume', id: `resume-${role}`, positions: Object.fromEntries(theirs[role].map((id) => [id, 0])) },
      answeredBy: errorOrType('resumed'),
      expect: role === 'stranger' ? 'error conversation.not_found' : 'resumed',
    }
  },
}
