import { Type } from 'typebox'
import { Conversation, Message, MessageSendFrame } from '@jim/protocol'

/** What a client sends, shared by `POST /conversations/{id}/messages` and the `message.send` frame (@jim/protocol). */
export const SendFields = {
  clientMsgId: MessageSendFrame.properties.clientMsgId,
  type: Type.String({ maxLength: 16 }),
  content: MessageSendFrame.properties.content,
}

/**
 * The wire contract's message and conversation views (@jim/protocol), registered once as shared
 * OpenAPI components: routes refer to them by `Type.Ref('Message')` / `Type.Ref('Conversation')`.
 */
export const MessageSchema = Type.Object(Message.properties, { $id: 'Message' })

export const ConversationSchema = Type.Object(
  { ...Conversation.properties, lastMessage: Type.Union([Type.Ref('Message'), Type.Null()]) },
  { $id: 'Conversation' },
)
