import type { ClientFrameOf } from '@jim/protocol'
import type { ResumeService } from '../domain/messages/resume-service.js'
import { messageView } from '../domain/messages/message-view.js'
import type { Connection } from './connection.js'
import type { ConversationFanout } from './conversation-fanout.js'

/**
 * Handles `{type: "resume", positions}`: for each listed conversation, in order with live
 * pushes of that conversation, sends every missed `message.created` (skipping what this
 * socket already got live), then `message.updated`/`message.recalled` for changes, then
 * `conversation.updated` for unlisted conversations with news, then `resumed`.
 */
export function createResumeHandler(resume: ResumeService, fanout: ConversationFanout) {
  return async (conn: Connection, frame: ClientFrameOf<'resume'>): Promise<void> => {
    const positions = resume.parsePositions(frame.positions)
    const resumed: Record<string, number> = {}
    for (const [conversationId, position] of positions) {
      await fanout.runInOrder(conversationId, async () => {
        const missed = await resume.missed(conn.userId, conversationId, position)
        if (missed.kind === 'not_member') {
          conn.send({
            type: 'error',
            code: 'conversation.not_found',
            message: 'No such conversation.',
            conversationId,
            replyTo: frame.id ?? null,
          })
          return
        }
        if (missed.kind === 'resync_required') {
          conn.send({ type: 'resync_required', conversationId, lastSeq: missed.lastSeq })
          fanout.markDelivered(conn, conversationId, missed.lastSeq)
          return
        }
        const already = conn.lastSeq.get(conversationId)
        const firstLive = conn.firstSeq.get(conversationId)
        for (const m of missed.messages) {
          // pushed live to this socket already
          if (already !== undefined && firstLive !== undefined && m.seq >= firstLive && m.seq <= already) continue
          conn.send({ type: 'message.created', message: messageView(m) })
        }
        for (const m of missed.changes) conn.send({ type: m.recalledAt ? 'message.recalled' : 'message.updated', message: messageView(m) })
        const last = missed.messages.at(-1)?.seq ?? position.seq
        fanout.markDelivered(conn, conversationId, last)
        resumed[conversationId] = Math.max(last, already ?? 0)
      })
    }
    for (const conversation of await resume.unlisted(conn.userId, new Set(positions.keys()))) {
      conn.send({ type: 'conversation.updated', conversation })
    }
    conn.send({ type: 'resumed', positions: resumed, replyTo: frame.id ?? null })
  }
}
