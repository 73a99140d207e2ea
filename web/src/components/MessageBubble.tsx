import { memo, useMemo, useRef, useState } from 'react'
import type { Conversation, Message } from '../api/types.js'
import { captionOf, displayNameOf, formatTime, previewText } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useDismiss } from '../hooks/use-dismiss.js'
import { Avatar } from './Avatar.js'
import { Icon } from './Icon.js'
import { MessageMedia } from './MessageMedia.js'
import { EditForm, MessageMenu } from './MessageMenu.js'
import { ChatHistoryCard, ForwardedLabel, Reactions } from './MessageExtras.js'
import { renderText, ReplyQuote } from './MessageText.js'

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
  // touch screens: the actions show on a long press (the browser's contextmenu), not always
  const [actionsShown, setActionsShown] = useState(false)
  const row = useRef<HTMLLIElement>(null)
  useDismiss(row, () => setActionsShown(false), { active: actionsShown })
  const [readers, setReaders] = useState<string[] | null>(null)
  const groupId = conversation.group?.id ?? null
  const name = useAppState((s) => displayNameOf(s, m.senderId, groupId))
  const locale = useAppState((s) => s.locale)
  const otherType = useAppState((s) => (m.type === 'text' ? '' : previewText(s, m)))
  const me = useAppState((s) => s.auth?.user?.id ?? '')
  const selecting = useAppState((s) => s.selection?.conversationId === m.conversationId)
  const selected = useAppState((s) => s.selection?.conversationId === m.conversationId && s.selection.seqs.includes(m.seq))
  const showSender = !own && conversation.kind !== 'direct'
  const mentionsMe = Array.isArray(m.content.mentions) && (m.content.mentions.includes(me) || m.content.mentions.includes('all'))
  const text = typeof m.content.text === 'string' ? m.content.text : ''
  const caption = captionOf(m.content)
  const members = useAppState((s) => (groupId ? s.members[groupId] : undefined))
  const mentionNames = useMemo(() => {
    const ids = Array.isArray(m.content.mentions) ? (m.content.mentions as unknown[]) : []
    if (!ids.length) return []
    const names = ids.includes('all') ? ['all'] : []
    for (const x of members ?? [])
      if (ids.includes(x.user.id)) names.push(...[x.groupNickname, x.user.nickname, x.user.username].filter((n): n is string => !!n))
    return names
  }, [m.content.mentions, members])

  return (
    <li
      ref={row}
      className={`msg ${own ? 'own' : 'other'} ${continued ? 'continued' : ''} ${mentionsMe ? 'mentions-me' : ''} ${actionsShown ? 'actions-shown' : ''}`}
      onContextMenu={(e) => {
        if (!window.matchMedia('(hover: none)').matches || (e.target as HTMLElement).closest('a, img, video, audio')) return
        e.preventDefault()
        setActionsShown(true)
      }}
      data-testid="message"
      data-seq={m.seq}
      // reachable with the arrow keys from the message list (see MessageList), not with Tab
      tabIndex={-1}
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
            <ForwardedLabel message={m} />
            {typeof m.content.replyTo === 'number' ? (
              <ReplyQuote replied={replied} seq={m.content.replyTo} conversationId={m.conversationId} groupId={groupId} />
            ) : null}
            {editing ? (
              <EditForm
                initial={text}
                onCancel={() => setEditing(false)}
                onSave={async (value) => {
                  if (value === text || (await controller.messages.edit(m.conversationId, m.seq, value))) setEditing(false)
                }}
              />
            ) : m.type === 'text' ? (
              <p className="msg-text">{renderText(text, mentionNames)}</p>
            ) : m.type === 'forward' ? (
              <ChatHistoryCard message={m} />
            ) : (
              <>
                <div className="msg-media" title={otherType}>
                  <MessageMedia message={m} />
                </div>
                {caption ? (
                  <p className="msg-text msg-caption" data-testid="message-caption">
                    {renderText(caption, mentionNames)}
                  </p>
                ) : null}
              </>
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
                void controller.messages.readers(m.conversationId, m.seq).then(setReaders)
              }}
            >
              {t('msg.readBy', { count: readBy })}
            </button>
          ) : null}
        </span>
        {readers ? <ReadersList userIds={readers} groupId={groupId} /> : null}
        {hidden ? null : <Reactions message={m} />}
      </div>
      {selecting && !m.recalledAt && !hidden ? (
        <input
          type="checkbox"
          className="msg-select"
          aria-label={t('forward.selectOne')}
          checked={selected}
          onChange={() => controller.messages.toggleSelected(m.conversationId, m.seq)}
        />
      ) : null}
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
