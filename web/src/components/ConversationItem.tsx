import { useRef, useState } from 'react'
import type { Conversation } from '../api/types.js'
import type { State } from '../store/state.js'
import type { Translate } from '../hooks/app-context.js'
import { conversationTitle, displayNameOf, formatListTime, previewText } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useDismiss } from '../hooks/use-dismiss.js'
import { Avatar } from './Avatar.js'
import { Icon } from './Icon.js'

export function ConversationItem({ conversation: c }: { conversation: Conversation }) {
  const controller = useController()
  const t = useT()
  const active = useAppState((s) => s.activeId === c.id)
  const presence = useAppState((s) => (c.peer ? (s.presence[c.peer.id]?.status ?? null) : null))
  const typing = useAppState((s) => s.typing[c.id])
  const title = useAppState((s) => conversationTitle(s, c))
  const preview = useAppState((s) => previewLine(s, c, t))
  const locale = useAppState((s) => s.locale)
  const someoneTyping = typing && Object.values(typing).some((until) => until > Date.now())

  return (
    <li className={`conv-item ${active ? 'active' : ''}`} data-testid="conversation-item" data-conversation-id={c.id}>
      <button
        type="button"
        className="conv-open"
        onClick={() => void controller.conversations.open(c.id)}
        aria-current={active ? 'true' : undefined}
        aria-label={t(c.unreadCount ? 'conv.openUnread' : 'conv.open', { name: title, count: c.unreadCount })}
      >
        <Avatar
          name={title}
          colorKey={c.peer?.id ?? c.group?.id ?? c.id}
          presence={presence}
          kind={c.kind === 'direct' ? 'user' : c.kind}
        />
        <span className="conv-text">
          <span className="conv-top">
            <span className="conv-title ellipsis">{title}</span>
            {c.kind === 'world' || c.pinned ? <Icon name="pin" size={14} className="conv-flag" /> : null}
            {c.muted ? <Icon name="mute" size={14} className="conv-flag" /> : null}
            <span className="conv-time">{formatListTime(c.lastActivityAt ?? c.lastMessage?.createdAt ?? null, locale)}</span>
          </span>
          <span className="conv-bottom">
            <span className={`conv-preview ellipsis ${someoneTyping ? 'typing' : ''}`}>
              {someoneTyping ? t('chat.typingShort') : preview}
            </span>
            {c.unreadCount > 0 && (c.mentionCount ?? 0) > 0 ? (
              <span
                className="badge mention-badge"
                data-testid="mention-badge"
                title={t('conv.mentioned', { count: c.mentionCount ?? 0 })}
                aria-label={t('conv.mentioned', { count: c.mentionCount ?? 0 })}
              >
                @{(c.mentionCount ?? 0) > 1 ? c.mentionCount : ''}
              </span>
            ) : null}
            {c.unreadCount > 0 ? (
              <span className={`badge ${c.muted ? 'muted-badge' : ''}`} data-testid="unread-badge">
                {c.unreadCount > 99 ? '99+' : c.unreadCount}
              </span>
            ) : null}
          </span>
        </span>
      </button>
      {c.kind !== 'world' ? <ConversationMenu conversation={c} /> : null}
    </li>
  )
}

function ConversationMenu({ conversation: c }: { conversation: Conversation }) {
  const controller = useController()
  const t = useT()
  const [open, setOpen] = useState(false)
  const ref = useRef<HTMLDivElement>(null)
  useDismiss(ref, () => setOpen(false), { active: open })
  return (
    <div className="menu-wrap" ref={ref}>
      <button
        type="button"
        className="icon-btn conv-more"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={t('conv.actions')}
        onClick={() => setOpen(!open)}
      >
        <Icon name="more" size={18} />
      </button>
      {open ? (
        <div className="menu" role="menu">
          <button
            type="button"
            role="menuitem"
            onClick={() => {
              setOpen(false)
              void controller.conversations.setPinned(c.id, !c.pinned)
            }}
          >
            <Icon name="pin" size={16} /> {c.pinned ? t('conv.unpin') : t('conv.pin')}
          </button>
          <button
            type="button"
            role="menuitem"
            onClick={() => {
              setOpen(false)
              void controller.conversations.setMuted(c.id, !c.muted)
            }}
          >
            <Icon name="mute" size={16} /> {c.muted ? t('conv.unmute') : t('conv.mute')}
          </button>
        </div>
      ) : null}
    </div>
  )
}

/** "You: hi", "Alice: hi" (groups and world), or the text alone (direct). */
function previewLine(s: State, c: Conversation, t: Translate): string {
  const m = c.lastMessage
  if (!m) return c.kind === 'world' ? t('conv.worldHint') : ''
  const text = previewText(s, m)
  if (m.type === 'system') return text
  if (m.senderId === s.auth?.user?.id) return t('conv.you', { text })
  if (c.kind !== 'direct') return `${displayNameOf(s, m.senderId)}: ${text}`
  return text
}
