/**
 * Chat frames from the SDK socket into the state: the pure reducer does the state change; this
 * adds what a frame sets off outside the state (profiles to fetch, a conversation the list lacks,
 * the read mark of the open chat, a desktop notification, the end of a typing indicator).
 */
import type { Message, ServerFrame } from '../api/types.js'
import { translate } from '../i18n/index.js'
import { expireTyping, mentions, reduceChatFrame, TYPING_MS, type FrameContext } from '../store/chat-reducer.js'
import { peopleIn, type AppContext } from './context.js'
import type { ConversationList } from './conversation-list.js'
import { displayNameOf, previewText } from './format.js'
import { showNotification } from './notify.js'

export class ChatEvents {
  readonly #c: AppContext
  readonly #list: ConversationList

  constructor(context: AppContext, list: ConversationList) {
    this.#c = context
    this.#list = list
  }

  #context(): FrameContext {
    return { now: Date.now(), pageVisible: !document.hidden }
  }

  /** A new message, delivered once and in order by the socket (pushes, resume, history repair, our own sends). */
  onMessage(m: Message): void {
    const known = !!this.#c.state.conversations[m.conversationId]
    const own = m.senderId !== null && m.senderId === this.#c.me
    const visible = this.#c.state.activeId === m.conversationId && !document.hidden
    this.#c.set((s) => reduceChatFrame(s, { type: 'message.created', message: m }, this.#context()))
    if (!known) this.#list.fetchMissing(m.conversationId)
    this.#c.ensureUsers(peopleIn([m]))
    if (own) return
    if (visible) this.#list.markActiveRead()
    else this.#maybeNotify(m)
  }

  /** Every other chat frame (edits, recalls, conversation changes, read marks, typing). */
  onFrame(frame: ServerFrame): void {
    this.#c.set((s) => reduceChatFrame(s, frame, this.#context()))
    switch (frame.type) {
      case 'conversation.updated':
        this.#list.noteListed(frame.conversation)
        return
      case 'typing': {
        const { conversationId } = frame
        this.#c.ensureUsers('userIds' in frame ? frame.userIds : [frame.userId])
        setTimeout(() => this.#c.set((s) => expireTyping(s, conversationId, Date.now())), TYPING_MS + 100)
        return
      }
      case 'error':
        // a resume named a conversation we are no longer in
        if (frame.code === 'conversation.not_found' && frame.conversationId) this.#c.socket.sequencer.forget(frame.conversationId)
        return
      default:
        return
    }
  }

  #maybeNotify(m: Message): void {
    const s = this.#c.state
    const c = s.conversations[m.conversationId]
    // a muted chat stays quiet, except for a mention of me when my setting says so
    const alertThroughMute = mentions(m, this.#c.me) && s.auth?.user?.mentionAlertMuted !== false
    if (!document.hidden || !c || (c.muted && !alertThroughMute) || m.type === 'system') return
    const title = c.kind === 'world' ? translate(s.locale, 'conv.world') : c.group ? c.group.name : displayNameOf(s, m.senderId)
    const body = c.kind === 'direct' ? previewText(s, m) : `${displayNameOf(s, m.senderId)}: ${previewText(s, m)}`
    showNotification(title, body, c.id, () => {
      window.focus()
      void this.#list.open(c.id)
    })
  }
}
