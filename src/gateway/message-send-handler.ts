import type { ClientFrameOf } from '@jim/protocol'
import type { MessageService } from '../domain/messages/message-service.js'
import { messageView } from '../domain/messages/message-view.js'
import type { Connection } from './connection.js'

/**
 * Handles `{type: "message.send", ref, conversationId, clientMsgId, messageType, content}` (the
 * gateway has checked its shape against @jim/protocol): the same MessageService.send call as
 * `POST /conversations/{id}/messages`, answered once the message is stored with
 * `{type: "message.ack", ref, message}` (a retried clientMsgId gets the stored message back).
 * A failure becomes the gateway's `{type: "error", ref, code, message, details?, retryAfter?}`
 * with the route's codes.
 */
export function createMessageSendHandler(messages: MessageService) {
  return async (conn: Connection, frame: ClientFrameOf<'message.send'>): Promise<void> => {
    const { message } = await messages.send(conn.userId, frame.conversationId, {
      clientMsgId: frame.clientMsgId,
      type: frame.messageType,
      content: frame.content,
    })
    conn.send({ type: 'message.ack', ref: frame.ref, message: messageView(message) })
  }
}
