import { Ajv } from 'ajv'
import type { Logger } from 'pino'
import { Type } from 'typebox'
import { AppError } from '../domain/errors.js'
import type { MessageService } from '../domain/messages/message-service.js'
import { messageView } from '../domain/messages/message-view.js'
import { toAppError } from '../http/error-response.js'
import { SendFields } from '../http/schemas/message-schemas.js'
import type { Connection } from './connection.js'

/** `ref` echoes back on the ack or error, so a client can match answers to frames it sent. */
const MessageSendFrame = Type.Object(
  {
    type: Type.Literal('message.send'),
    ref: Type.Union([Type.String({ maxLength: 64 }), Type.Number()]),
    conversationId: Type.String({ maxLength: 64 }),
    clientMsgId: SendFields.clientMsgId,
    messageType: SendFields.type,
    content: SendFields.content,
  },
  { additionalProperties: false },
)

interface MessageSendFields {
  ref: string | number
  conversationId: string
  clientMsgId: string
  messageType: string
  content: Record<string, unknown>
}

// the same strictness as HTTP bodies (src/http/validators.ts): no coercion, unknown fields refused
const validate = new Ajv({ removeAdditional: false, useDefaults: false, allErrors: false, strict: false, coerceTypes: false }).compile(
  MessageSendFrame,
)

/**
 * Handles `{type: "message.send", ref, conversationId, clientMsgId, messageType, content}`: the
 * same MessageService.send call as `POST /conversations/{id}/messages`, answered once the message
 * is stored with `{type: "message.ack", ref, message}` (a retried clientMsgId gets the stored
 * message back) or `{type: "error", ref, code, message, details?}` with the route's codes.
 */
export function createMessageSendHandler(messages: MessageService, logger: Logger) {
  return async (conn: Connection, frame: Record<string, unknown>): Promise<void> => {
    const ref = typeof frame.ref === 'string' || typeof frame.ref === 'number' ? frame.ref : null
    try {
      if (!validate(frame)) throw invalidFrame(validate.errors?.[0])
      const f = frame as unknown as MessageSendFields
      const { message } = await messages.send(conn.userId, f.conversationId, {
        clientMsgId: f.clientMsgId,
        type: f.messageType,
        content: f.content,
      })
      conn.send({ type: 'message.ack', ref, message: messageView(message) })
    } catch (thrown) {
      // the HTTP mapping: a lost database connection is `service.unavailable`, anything unknown `internal`
      const err = toAppError(thrown)
      if (err.code === 'internal') logger.error({ err: thrown, userId: conn.userId, frameType: 'message.send' }, 'frame handler failed')
      const reply: Record<string, unknown> = { type: 'error', ref, code: err.code, message: err.message }
      if (err.details !== undefined) reply.details = err.details
      if (err.retryAfter !== undefined) reply.retryAfter = err.retryAfter
      conn.send(reply)
    }
  }
}

function invalidFrame(e: { instancePath: string; message?: string; params?: unknown } | undefined): AppError {
  const missing = (e?.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {}
  const field = e?.instancePath.replace(/^\//, '').replace(/\//g, '.') || missing.missingProperty || missing.additionalProperty || ''
  return new AppError('request.invalid', `message.send${field ? '.' + field : ''}: ${e?.message ?? 'invalid'}`, {
    details: [{ field, message: e?.message }],
  })
}
