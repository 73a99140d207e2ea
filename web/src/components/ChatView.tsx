import { useMemo, useState, type DragEvent } from 'react'
import { conversationTitle, displayNameOf, formatTime, memberCountKey } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useNow } from '../hooks/use-now.js'
import { Avatar } from './Avatar.js'
import { AnnouncementBar } from './AnnouncementBar.js'
import { CallBar, CallButtons } from './CallButtons.js'
import { Composer } from './Composer.js'
import { FriendInfo } from './FriendInfo.js'
import { mutedUntil } from './GroupAdmin.js'
import { GroupInfo } from './GroupInfo.js'
import { Icon } from './Icon.js'
import { MessageList } from './MessageList.js'
import { PinnedBar, SelectionBar } from './MessageExtras.js'
import { SearchPanel } from './SearchPanel.js'

/** One conversation: header, history, composer, and an info drawer (members or friend actions). */
export function ChatView({ conversationId, narrow }: { conversationId: string; narrow: boolean }) {
  const controller = useController()
  const t = useT()
  const c = useAppState((s) => s.conversations[conversationId])
  const title = useAppState((s) => (c ? conversationTitle(s, c) : ''))
  const presence = useAppState((s) => (c?.peer ? (s.presence[c.peer.id] ?? null) : null))
  const members = useAppState((s) => (c?.group ? s.members[c.group.id] : undefined))
  const typingMap = useAppState((s) => s.typing[conversationId])
  const typingNames = useAppState((s) =>
    Object.entries(typingMap ?? {})
      .filter(([, until]) => until > Date.now())
      .map(([id]) => displayNameOf(s, id, c?.group?.id))
      .join(', '),
  )
  const locale = useAppState((s) => s.locale)
  const myMember = useAppState((s) => (c?.group ? s.members[c.group.id]?.find((m) => m.user.id === s.auth?.user?.id) : undefined))
  const muteAll = useAppState((s) => (c?.group ? !!s.groups[c.group.id]?.muteAll : false))
  const now = useNow(15_000, !!myMember?.mutedUntil)
  const mutedTill = mutedUntil(myMember, now)
  const mutedNotice = mutedTill
    ? t('chat.mutedNotice', { time: formatTime(mutedTill, locale) })
    : muteAll && myMember?.role === 'member'
      ? t('chat.mutedAllNotice')
      : null
  const [infoOpen, setInfoOpen] = useState(false)
  const [searchOpen, setSearchOpen] = useState(false)
  const [replyTo, setReplyTo] = useState<number | null>(null)
  // a file on its way into the composer's preview: chosen, pasted, or dropped on the chat
  const [attachment, setAttachment] = useState<File | null>(null)
  const [dragging, setDragging] = useState(false)
  const subtitle = useMemo(() => {
    if (!c) return ''
    if (c.kind === 'world') return t('conv.worldHint')
    if (c.kind === 'group') return members ? t(memberCountKey(members.length), { count: members.length }) : ''
    return presence ? t(`presence.${presence.status}`) : t('presence.offline')
  }, [c, members, presence, t])

  if (!c) {
    return (
      <div className="empty-pane">
        <p className="muted">{t('common.loading')}</p>
      </div>
    )
  }

  const canWrite = c.leftSeq === null && !mutedNotice
  // files only (not text dragged from the page), where the composer takes media
  const carriesFiles = (e: DragEvent) => canWrite && c.kind !== 'world' && e.dataTransfer.types.includes('Files')
  const dropZone = {
    onDragOver: (e: DragEvent) => {
      if (!carriesFiles(e)) return
      e.preventDefault()
      e.dataTransfer.dropEffect = 'copy'
      setDragging(true)
    },
    onDragLeave: (e: DragEvent) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false)
    },
    onDrop: (e: DragEvent) => {
      setDragging(false)
      if (!carriesFiles(e)) return
      e.preventDefault()
      const file = e.dataTransfer.files[0]
      if (file) setAttachment(file)
    },
  }

  return (
    <section className="chat" aria-label={t('chat.label', { name: title })}>
      <header className="chat-header">
        {narrow ? (
          <button type="button" className="icon-btn" aria-label={t('common.back')} onClick={() => void controller.conversations.open(null)}>
            <Icon name="back" />
          </button>
        ) : null}
        <Avatar
          name={title}
          colorKey={c.peer?.id ?? c.group?.id ?? c.id}
          presence={presence?.status ?? null}
          kind={c.kind === 'direct' ? 'user' : c.kind}
        />
        <div className="chat-title">
          <h2 className="ellipsis" data-testid="chat-title">
            {title}
          </h2>
          <span className="muted small ellipsis" aria-live="polite">
            {typingNames ? t('chat.typing', { names: typingNames }) : subtitle}
          </span>
        </div>
        <div className="chat-actions">
          <button
            type="button"
            className={`icon-btn ${searchOpen ? 'on' : ''}`}
            aria-expanded={searchOpen}
            aria-label={t('msgSearch.inChat')}
            title={t('msgSearch.inChat')}
            data-testid="chat-search-toggle"
            onClick={() => setSearchOpen(!searchOpen)}
          >
            <Icon name="search" />
          </button>
          {c.kind !== 'world' ? (
            <>
              <CallButtons conversation={c} />
              <button
                type="button"
                className={`icon-btn ${c.pinned ? 'on' : ''}`}
                aria-pressed={c.pinned}
                aria-label={c.pinned ? t('conv.unpin') : t('conv.pin')}
                title={c.pinned ? t('conv.unpin') : t('conv.pin')}
                onClick={() => void controller.conversations.setPinned(c.id, !c.pinned)}
              >
                <Icon name="pin" />
              </button>
              <button
                type="button"
                className={`icon-btn ${c.muted ? 'on' : ''}`}
                aria-pressed={c.muted}
                aria-label={c.muted ? t('conv.unmute') : t('conv.mute')}
                title={c.muted ? t('conv.unmute') : t('conv.mute')}
                onClick={() => void controller.conversations.setMuted(c.id, !c.muted)}
              >
                <Icon name="mute" />
              </button>
              <button
                type="button"
                className={`icon-btn ${infoOpen ? 'on' : ''}`}
                aria-expanded={infoOpen}
                aria-label={c.kind === 'group' ? t('groups.info') : t('friends.info')}
                title={c.kind === 'group' ? t('groups.info') : t('friends.info')}
                onClick={() => setInfoOpen(!infoOpen)}
              >
                <Icon name="info" />
              </button>
            </>
          ) : null}
        </div>
      </header>
      <div className="chat-body">
        <div className="chat-main" {...dropZone}>
          {dragging ? (
            <div className="drop-hint" aria-hidden="true">
              {t('attach.dropHere')}
            </div>
          ) : null}
          <CallBar conversationId={c.id} group={c.kind === 'group'} />
          {c.kind === 'group' && c.group ? <AnnouncementBar groupId={c.group.id} /> : null}
          <PinnedBar
            conversation={c}
            canPin={c.leftSeq === null && (c.kind === 'direct' || myMember?.role === 'owner' || myMember?.role === 'admin')}
          />
          <MessageList conversation={c} onReply={setReplyTo} />
          <SelectionBar conversationId={c.id} />
          {c.leftSeq !== null ? (
            <p className="composer-closed">{t('chat.left')}</p>
          ) : mutedNotice ? (
            <p className="composer-closed" data-testid="muted-notice" role="status">
              {mutedNotice}
            </p>
          ) : (
            <Composer
              conversation={c}
              replyTo={replyTo}
              onClearReply={() => setReplyTo(null)}
              attachment={attachment}
              onAttach={setAttachment}
            />
          )}
        </div>
        {searchOpen ? (
          <aside className="chat-search" aria-label={t('msgSearch.inChat')}>
            <SearchPanel conversationId={c.id} onClose={() => setSearchOpen(false)} />
          </aside>
        ) : null}
        {infoOpen && c.kind === 'group' && c.group ? <GroupInfo groupId={c.group.id} onClose={() => setInfoOpen(false)} /> : null}
        {infoOpen && c.kind === 'direct' && c.peer ? <FriendInfo userId={c.peer.id} onClose={() => setInfoOpen(false)} /> : null}
      </div>
    </section>
  )
}
