import type { ClientFrameOf, ServerFrame } from '@jim/protocol'
import type { ResumeService } from '../domain/messages/resume-service.js'
import { messageView } from '../domain/messages/message-view.js'
import type { Connection } from './connection.js'
import { ConversationFanout } from './conversation-fanout.js'

/** Replay frames sent before waiting for the socket to write them (flow control). */
const PAGE = 100

/**
 * Handles `{type: "resume", positions}`: for each listed conversation, in order with live
 * pushes of that conversation, sends every missed `message.created` (skipping what this
 * socket already got live), then `message.updated`/`message.recalled` for changes and
 * `message.hidden` for messages I deleted for me elsewhere, then
 * `conversation.updated` for unlisted conversations with news, then `resumed`.
 *
 * Live frames for the socket are held until `resumed` is sent, so a client may append in
 * arrival order. The replay goes out in pages, each after the socket has written most of the
 * previous one, so a long replay never overflows the outbound queue (4008); beyond
 * `messages.resumeMaxMessages` in one conversation the answer is `resync_required` for it.
 */
export function createResumeHandler(resume: ResumeService, fanout: ConversationFanout, maxQueued: number) {
  const lowWater = Math.max(0, Math.min(PAGE, Math.floor(maxQueued / 2)))
  const pageSize = Math.max(1, Math.min(PAGE, maxQueued - lowWater))
  return async (conn: Connection, frame: ClientFrameOf<'resume'>): Promise<void> => {
    const positions = resume.parsePositions(frame.positions)
    conn.hold()
    try {
      let inPage = 0
      const send = async (f: ServerFrame) => {
        if (inPage >= pageSize) {
          await conn.writable(lowWater)
          inPage = 0
        }
        conn.sendNow(f)
        inPage++
      }
      const resumed: Record<string, number> = {}
      for (const [conversationId, position] of positions) {
        if (!conn.isOpen) return
        // decided in order with the conversation's live pushes (which are held meanwhile), sent after:
        // a client slow to read the replay never holds up the conversation for everyone else
        const frames: ServerFrame[] = []
        await fanout.runInOrder(conversationId, async () => {
          const missed = await resume.missed(conn.userId, conversationId, position)
          if (missed.kind === 'not_member') {
            frames.push({
              type: 'error',
              code: 'conversation.not_found',
              message: 'No such conversation.',
              conversationId,
              replyTo: frame.id ?? null,
            })
            return
          }
          if (missed.kind === 'resync_required') {
            frames.push({ type: 'resync_required', conversationId, lastSeq: missed.lastSeq })
            fanout.markDelivered(conn, conversationId, missed.lastSeq)
            return
          }
          const already = conn.lastSeq.get(conversationId)
          for (const m of missed.messages) {
            if (ConversationFanout.wasPushedLive(conn, conversationId, m.seq)) continue
            frames.push({ type: 'message.created', message: messageView(m) })
          }
          for (const m of missed.changes)
            frames.push({ type: m.recalledAt ? 'message.recalled' : 'message.updated', message: messageView(m) })
          for (const h of missed.hidden) frames.push({ type: 'message.hidden', conversationId, seq: h.seq, modSeq: h.modSeq })
          const last = missed.throughSeq ?? position.seq
          fanout.markDelivered(conn, conversationId, last)
          resumed[conversationId] = Math.max(last, already ?? 0)
        })
        for (const f of frames) await send(f)
      }
      for (const conversation of await resume.unlisted(conn.userId, new Set(positions.keys()))) {
        await send({ type: 'conversation.updated', conversation })
      }
      await conn.writable(lowWater)
      conn.sendNow({ type: 'resumed', positions: resumed, replyTo: frame.id ?? null })
    } finally {
      conn.release()
    }
  }
}
