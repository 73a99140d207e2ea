import { memo, useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react'
import type { Conversation, Message } from '../api/types.js'
import { displayNameOf, formatTime, previewText, systemText } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import type { PendingMessage } from '../store/timeline.js'
import { Avatar } from './Avatar.js'
import { Icon } from './Icon.js'
import { MessageMedia } from './MessageMedia.js'

interface Props {
  message: Message
  conversation: Conversation
  own: boolean
  /** same sender as the message above, shortly before: no name or avatar */
  continued: boolean
  replied: Message | null
  read: boolean
  /** groups: how many others have read it (own messages) */
  readBy: number
  hidden: boolean
  onReply: (seq: number) => void
}

/** One stored message. User text is rendered as React text nodes only: markup in it stays text. */
export const MessageBubble = memo(function MessageBubble({
  message: m,
  conversation,
  own,
  continued,
  replied,
  read,
  readBy,
  hidden,
  onReply,
}: Props) {
  const t = useT()
  const controller = useController()
  const [editing, setEditing] = useState(false)
  const [readers, setReaders] = useState<string[] | null>(null)
  const groupId = conversation.group?.id ?? null
  const name = useAppState((s) => displayNameOf(s, m.senderId, groupId))
  const locale = useAppState((s) => s.locale)
  const otherType = useAppState((s) => (m.type === 'text' ? '' : previewText(s, m)))
  const me = useAppState((s) => s.auth?.user?.id ?? '')
  const showSender = !own && conversation.kind !== 'direct'
  const mentionsMe = Array.isArray(m.content.mentions) && (m.content.mentions.includes(me) || m.content.mentions.includes('all'))
  const text = typeof m.content.text === 'string' ? m.content.text : ''

  return (
    <li
      id={`msg-${m.conversationId}-${m.seq}`}
      className={`msg ${own ? 'own' : 'other'} ${continued ? 'continued' : ''} ${mentionsMe ? 'mentions-me' : ''}`}
      data-testid="message"
      data-seq={m.seq}
    >
      {showSender ? (
        <span className="msg-avatar">{continued ? null : <Avatar name={name} colorKey={m.senderId ?? ''} size="sm" />}</span>
      ) : null}
      <div className="bubble">
        {showSender && !continued ? <div className="sender">{name}</div> : null}
        {hidden ? (
          <p className="msg-text muted">{t('chat.hiddenBlocked')}</p>
        ) : m.recalledAt ? (
          <p className="msg-text muted">{t('msg.recalled')}</p>
        ) : (
          <>
            {typeof m.content.replyTo === 'number' ? <ReplyQuote replied={replied} seq={m.content.replyTo} groupId={groupId} /> : null}
            {editing ? (
              <EditForm
                initial={text}
                onCancel={() => setEditing(false)}
                onSave={async (value) => {
                  if (value === text || (await controller.chat.edit(m.conversationId, m.seq, value))) setEditing(false)
                }}
              />
            ) : m.type === 'text' ? (
              <p className="msg-text">{renderText(text)}</p>
            ) : (
              <div className="msg-media" title={otherType}>
                <MessageMedia message={m} />
              </div>
            )}
          </>
        )}
        <span className="msg-meta">
          {m.editedAt ? <span className="edited">{t('msg.edited')}</span> : null}
          <time dateTime={m.createdAt}>{formatTime(m.createdAt, locale)}</time>
          {own ? (
            <span
              className={`msg-status ${read ? 'read' : 'sent'}`}
              role="img"
              aria-label={read ? t('msg.read') : t('msg.sent')}
              title={read ? t('msg.read') : t('msg.sent')}
            >
              <Icon name={read ? 'checks' : 'check'} size={14} />
            </span>
          ) : null}
          {own && conversation.kind === 'group' && readBy > 0 && !m.recalledAt ? (
            <button
              type="button"
              className="read-by"
              data-testid="read-by"
              aria-expanded={readers !== null}
              onClick={() => {
                if (readers) return setReaders(null)
                void controller.chat.readers(m.conversationId, m.seq).then(setReaders)
              }}
            >
              {t('msg.readBy', { count: readBy })}
            </button>
          ) : null}
        </span>
        {readers ? <ReadersList userIds={readers} groupId={groupId} /> : null}
      </div>
      {!m.recalledAt && !hidden ? <MessageMenu message={m} conversation={conversation} own={own} onEdit={() => setEditing(true)} /> : null}
      {!m.recalledAt && !hidden ? (
        <button
          type="button"
          className="icon-btn msg-reply"
          aria-label={t('chat.reply')}
          title={t('chat.reply')}
          onClick={() => onReply(m.seq)}
        >
          <Icon name="reply" size={16} />
        </button>
      ) : null}
    </li>
  )
})

/** until the socket's `ready` brings the server's windows: the defaults */
const DEFAULT_WINDOWS = { editWindowSeconds: 900, recallWindowSeconds: 120 }
const RANK = { owner: 3, admin: 2, member: 1 } as const

/** Edit (own text, within the edit window) and recall (own within the recall window, or a lower rank's in a group). */
function MessageMenu({
  message: m,
  conversation,
  own,
  onEdit,
}: {
  message: Message
  conversation: Conversation
  own: boolean
  onEdit: () => void
}) {
  const controller = useController()
  const t = useT()
  const [open, setOpen] = useState(false)
  const ref = useRef<HTMLDivElement>(null)
  const groupId = conversation.group?.id ?? null
  const outranks = useAppState((s) => {
    if (!groupId || own) return false
    const members = s.members[groupId] ?? []
    const me = s.auth?.user?.id
    const mine = members.find((x) => x.user.id === me)?.role
    const theirs = members.find((x) => x.user.id === m.senderId)?.role ?? 'member'
    return !!mine && RANK[mine] > RANK[theirs]
  })
  useEffect(() => {
    if (!open) return
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', close)
    document.addEventListener('keydown', close)
    return () => {
      document.removeEventListener('mousedown', close)
      document.removeEventListener('keydown', close)
    }
  }, [open])
  const windows = useAppState((s) => s.limits) ?? DEFAULT_WINDOWS
  const age = Date.now() - Date.parse(m.createdAt)
  const canEdit = own && m.type === 'text' && age < windows.editWindowSeconds * 1000
  const canRecall = (own && age < windows.recallWindowSeconds * 1000) || outranks
  if (!own && !outranks) return null
  if (!open && !canEdit && !canRecall) return null
  return (
    <div className="msg-menu" ref={ref}>
      <button
        type="button"
        className="icon-btn msg-more"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={t('msg.actions')}
        title={t('msg.actions')}
        onClick={() => setOpen(!open)}
      >
        <Icon name="more" size={16} />
      </button>
      {open ? (
        <div className="menu" role="menu">
          {canEdit ? (
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false)
                onEdit()
              }}
            >
              {t('msg.edit')}
            </button>
          ) : null}
          {canRecall ? (
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false)
                void controller.chat.recall(m.conversationId, m.seq)
              }}
            >
              {t('msg.recall')}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  )
}

function EditForm({ initial, onSave, onCancel }: { initial: string; onSave: (text: string) => Promise<void>; onCancel: () => void }) {
  const t = useT()
  const [value, setValue] = useState(initial)
  const [busy, setBusy] = useState(false)
  const save = async () => {
    if (busy) return
    setBusy(true)
    await onSave(value)
    setBusy(false)
  }
  const onKeyDown = (e: ReactKeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      void save()
    } else if (e.key === 'Escape') onCancel()
  }
  return (
    <div className="msg-edit">
      <textarea
        aria-label={t('msg.editLabel')}
        value={value}
        rows={2}
        autoFocus
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="msg-edit-actions">
        <button type="button" className="btn small ghost" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button type="button" className="btn small" disabled={busy || !value.trim()} onClick={() => void save()}>
          {t('common.save')}
        </button>
      </div>
    </div>
  )
}

function ReadersList({ userIds, groupId }: { userIds: string[]; groupId: string | null }) {
  const t = useT()
  const names = useAppState((s) => userIds.map((id) => displayNameOf(s, id, groupId)).join('\n'))
  return (
    <div className="readers" data-testid="readers" aria-label={t('msg.readers')}>
      {userIds.length === 0 ? (
        <span className="muted small">{t('msg.noReaders')}</span>
      ) : (
        <ul>
          {names.split('\n').map((n, i) => (
            <li key={userIds[i]}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** An own message on its way (or failed), with retry. */
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
  return (
    <li
      className={`msg own pending ${failed ? 'failed' : ''}`}
      data-testid="message"
      data-status={p.status}
      data-client-msg-id={p.clientMsgId}
    >
      <div className="bubble">
        {p.replyTo ? <ReplyQuote replied={replied} seq={p.replyTo} groupId={conversation.group?.id ?? null} /> : null}
        <p className="msg-text">{renderText(p.text)}</p>
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
          <button type="button" className="btn small danger" onClick={() => void controller.chat.retry(p.conversationId, p.clientMsgId)}>
            <Icon name="retry" size={14} /> {t('msg.retry')}
          </button>
          <button type="button" className="btn small ghost" onClick={() => controller.chat.discard(p.conversationId, p.clientMsgId)}>
            {t('msg.discard')}
          </button>
        </div>
      ) : null}
    </li>
  )
}

export function SystemLine({ message }: { message: Message }) {
  const text = useAppState((s) => systemText(s, message))
  return (
    <li className="system-line" data-testid="system-message" data-seq={message.seq}>
      <span>{text}</span>
    </li>
  )
}

function ReplyQuote({ replied, seq, groupId }: { replied: Message | null; seq: number; groupId: string | null }) {
  const t = useT()
  const name = useAppState((s) => (replied ? displayNameOf(s, replied.senderId, groupId) : ''))
  const preview = useAppState((s) => (replied ? previewText(s, replied) : ''))
  const jump = () => {
    if (!replied) return
    const el = document.getElementById(`msg-${replied.conversationId}-${seq}`)
    el?.scrollIntoView({ block: 'center', behavior: 'smooth' })
    el?.classList.add('flash')
    setTimeout(() => el?.classList.remove('flash'), 1200)
  }
  return (
    <button type="button" className="reply-quote" onClick={jump} disabled={!replied}>
      <strong>{replied ? name : t('chat.replyUnknown', { seq })}</strong>
      {replied ? <span className="ellipsis">{preview}</span> : null}
    </button>
  )
}

const TOKEN = /(https?:\/\/[^\s<>"']+)|(@[^\s@]{1,64})/g

/**
 * Text with links and @mentions highlighted. Everything is a React text node or an element we
 * build: the user's characters are never parsed as HTML.
 */
export function renderText(text: string): ReactNode[] {
  const out: ReactNode[] = []
  let last = 0
  let key = 0
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index ?? 0
    if (start > last) out.push(text.slice(last, start))
    const [whole, url, mention] = match
    if (url) {
      out.push(
        <a key={key++} href={url} target="_blank" rel="noopener noreferrer nofollow">
          {url}
        </a>,
      )
    } else if (mention) {
      out.push(
        <span key={key++} className="mention">
          {mention}
        </span>,
      )
    }
    last = start + whole.length
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}
