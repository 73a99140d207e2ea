import type { Call as CallView } from '@jim/protocol'
import { toIso } from '../../shared/clock.js'
import type { Call } from './call.js'

/** A call as clients see it (`call.updated`, `GET /conversations/{id}/call`). */
export function callView(c: Call, maxParticipants: number): CallView {
  return {
    id: c.id,
    conversationId: c.conversationId,
    kind: c.kind,
    media: c.media,
    state: c.state,
    initiatorId: c.initiatorId,
    createdAt: toIso(c.createdAt)!,
    answeredAt: toIso(c.answeredAt),
    endedAt: toIso(c.endedAt),
    endReason: c.endReason,
    maxParticipants: c.kind === 'direct' ? 2 : maxParticipants,
    participants: c.participants.map((p) => ({
      userId: p.userId,
      state: p.state,
      connectionId: p.connectionId,
      muted: p.muted,
      cameraOff: p.cameraOff,
      joinedAt: toIso(p.joinedAt),
    })),
  }
}
