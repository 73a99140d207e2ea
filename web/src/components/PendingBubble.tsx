import type { Conversation, Message } from '../api/types.js'
import { captionOf, formatTime, typeLabel } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { replyToOf, type PendingMessage } from '../store/timeline.js'
import { Icon } from './Icon.js'
import { renderText, ReplyQuote } from './MessageText.js'

/** An own message on its way (also while waiting for the connection), or refused by the server, with retry. */
export function PendingBubble({
  pending: p,
  replied,
  conversation,
}: {
  pending: PendingMessage
  replied: Message | null
  conversation: Conversation
}) {
  const controller = useController()
  const t = useT()
  const locale = useAppState((s) => s.locale)
  const failed = p.status === 'failed'
  const replyTo = replyToOf(p.content)
  return (
    <li
      className={`msg own pending ${failed ? 'failed' : ''}`}
      data-testid="message"
      data-status={p.status}
      data-client-msg-id={p.clientMsgId}
    >
      <div className="bubble">
        {replyTo ? (
          <ReplyQuote replied={replied} seq={replyTo} conversationId={conversation.id} groupId={conversation.group?.id ?? null} />
        ) : null}
        {p.type === 'text' ? (
          <p className="msg-text">{renderText(String(p.content.text ?? ''))}</p>
        ) : (
          <p className="msg-text muted">
            {typeLabel(locale, p.type)} {captionOf(p.content)}
          </p>
        )}
        <span className="msg-meta">
          <time dateTime={p.createdAt}>{formatTime(p.createdAt, locale)}</time>
          <span
            className="msg-status"
            role="img"
            aria-label={failed ? t('msg.failed') : t('msg.sending')}
            title={failed ? t('msg.failed') : t('msg.sending')}
          >
            <Icon name={failed ? 'alert' : 'clock'} size={14} />
          </span>
        </span>
      </div>
      {failed ? (
        <div className="failed-actions">
          <button type="button" className="btn small danger" onClick={() => controller.messages.retry(p.conversationId, p.clientMsgId)}>
            <Icon name="retry" size={14} /> {t('msg.retry')}
          </button>
          <button type="button" className="btn small ghost" onClick={() => controller.messages.discard(p.conversationId, p.clientMsgId)}>
            {t('msg.discard')}
          </button>
        </div>
      ) : null}
    </li>
  )
}
