import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import type { Conversation, Message } from '../api/types.js'
import { formatDay, sameDay } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { arrowKeysHandler } from '../hooks/use-arrow-keys.js'
import { emptyTimeline, replyToOf, type PendingMessage } from '../store/timeline.js'
import { MessageBubble } from './MessageBubble.js'
import { SystemLine } from './MessageText.js'
import { PendingBubble } from './PendingBubble.js'

const NO_PENDING: PendingMessage[] = []
const GROUP_GAP_MS = 5 * 60_000
/** ArrowUp/ArrowDown/Home/End move the focus between messages (ArrowUp from the list itself: the latest) */
const toNeighbour = arrowKeysHandler('[data-testid="message"]')

/**
 * The history of one conversation: opens on the first unread message under a "new messages"
 * line, pages older messages in as the user scrolls up (keeping the view steady), sticks to the
 * bottom for new ones (also when a photo above finishes loading), and offers a jump button when
 * scrolled away.
 */
export function MessageList({ conversation, onReply }: { conversation: Conversation; onReply: (seq: number) => void }) {
  const controller = useController()
  const t = useT()
  const id = conversation.id
  const timeline = useAppState((s) => s.timelines[id] ?? emptyTimeline)
  const pending = useAppState((s) => s.pending[id] ?? NO_PENDING)
  const locale = useAppState((s) => s.locale)
  const me = useAppState((s) => s.auth?.user?.id ?? null)
  const peerRead = useAppState((s) => s.peerRead[id] ?? 0)
  const groupReads = useAppState((s) => s.groupReads[id])
  const readSeqs = useMemo(
    () =>
      Object.entries(groupReads ?? {})
        .filter(([userId]) => userId !== me)
        .map(([, seq]) => seq),
    [groupReads, me],
  )
  const blocks = useAppState((s) => s.blocks)
  const blockedIds = useMemo(() => new Set(blocks.map((b) => b.user.id)), [blocks])
  const ref = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  const prevFirst = useRef<number | null>(null)
  const prevLast = useRef<number | null>(null)
  const prevHeight = useRef(0)
  const [showJump, setShowJump] = useState(false)
  const [newBelow, setNewBelow] = useState(false)
  const listRef = useRef<HTMLOListElement>(null)
  const markerRef = useRef<HTMLLIElement>(null)
  /** the first render with messages lands on the unread line (once) */
  const landed = useRef(false)
  const firstUnread = useAppState((s) => (s.firstUnread?.conversationId === id ? s.firstUnread.seq : null))
  const { messages, hasMore, loading, loaded } = timeline
  const markerSeq = useMemo(() => {
    if (firstUnread === null) return null
    return messages.find((m) => m.seq >= firstUnread && m.senderId !== me)?.seq ?? null
  }, [messages, firstUnread, me])

  const loadOlderIfNeeded = useCallback(() => {
    const el = ref.current
    if (!el || !hasMore || loading || !loaded) return
    if (el.scrollTop < 150 || el.scrollHeight <= el.clientHeight) void controller.history.loadOlder(id)
  }, [controller, id, hasMore, loading, loaded])

  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    const first = messages[0]?.seq ?? null
    const last = messages.length ? messages[messages.length - 1]!.seq : null
    if (!landed.current && loaded && messages.length) {
      landed.current = true
      const marker = markerRef.current
      // the unread part from its top when it is taller than the view, else the bottom
      if (marker && el.scrollHeight - marker.offsetTop > el.clientHeight) {
        el.scrollTop = marker.offsetTop - 8
        atBottom.current = false
        setShowJump(true)
      } else el.scrollTop = el.scrollHeight
    } else if (prevFirst.current !== null && first !== null && first < prevFirst.current && last === prevLast.current) {
      // older messages were prepended: keep what the user was reading in place
      el.scrollTop += el.scrollHeight - prevHeight.current
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight
    } else if (last !== prevLast.current) {
      setShowJump(true)
      setNewBelow(true)
    }
    prevFirst.current = first
    prevLast.current = last
    prevHeight.current = el.scrollHeight
    loadOlderIfNeeded()
  }, [messages, pending, loadOlderIfNeeded, loaded])

  // a photo or video that loads after it was placed grows the list: stay at the bottom
  useEffect(() => {
    const list = listRef.current
    const el = ref.current
    if (!list || !el || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight
      prevHeight.current = el.scrollHeight
    })
    observer.observe(list)
    return () => observer.disconnect()
  }, [])

  const onScroll = () => {
    const el = ref.current
    if (!el) return
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80
    if (atBottom.current) {
      setShowJump(false)
      setNewBelow(false)
    } else if (el.scrollHeight - el.scrollTop - el.clientHeight > el.clientHeight / 2) setShowJump(true)
    prevHeight.current = el.scrollHeight
    loadOlderIfNeeded()
  }

  const jump = () => {
    const el = ref.current
    if (el) el.scrollTop = el.scrollHeight
    atBottom.current = true
    setShowJump(false)
    setNewBelow(false)
  }

  const bySeq = useMemo(() => new Map(messages.map((m) => [m.seq, m])), [messages])
  const today = new Date()

  return (
    <div className="message-scroller-wrap">
      <div
        className="message-scroller"
        ref={ref}
        onScroll={onScroll}
        data-testid="message-list"
        role="log"
        aria-label={t('chat.messages')}
        tabIndex={0}
        onKeyDown={toNeighbour}
      >
        <div className="history-edge" aria-live="polite">
          {loading ? <span className="muted small">{t('chat.loadingHistory')}</span> : null}
          {loaded && !hasMore && !loading ? <span className="muted small">{t('chat.historyStart')}</span> : null}
        </div>
        {/* a list inside the log: its items keep their list semantics */}
        <ol className="messages" ref={listRef}>
          {messages.map((m, i) => {
            const prev = messages[i - 1]
            const newDay = !prev || !sameDay(new Date(prev.createdAt), new Date(m.createdAt))
            const continued = !!prev && !newDay && prev.senderId === m.senderId && prev.type !== 'system' && isClose(prev, m)
            return (
              <Fragment key={m.seq}>
                {newDay ? (
                  <li className="day-separator">
                    <span role="separator">{formatDay(m.createdAt, locale, today)}</span>
                  </li>
                ) : null}
                {m.seq === markerSeq ? (
                  <li className="unread-marker" data-testid="unread-marker" ref={markerRef}>
                    <span role="separator">{t('chat.unreadMarker')}</span>
                  </li>
                ) : null}
                {m.type === 'system' ? (
                  <SystemLine message={m} />
                ) : (
                  <MessageBubble
                    message={m}
                    conversation={conversation}
                    own={m.senderId === me}
                    continued={continued}
                    replied={bySeq.get(replyToOf(m.content) ?? 0) ?? null}
                    read={conversation.kind === 'direct' && peerRead >= m.seq}
                    readBy={m.senderId === me && conversation.kind === 'group' ? readSeqs.filter((seq) => seq >= m.seq).length : 0}
                    hidden={m.senderId !== null && blockedIds.has(m.senderId)}
                    onReply={onReply}
                  />
                )}
              </Fragment>
            )
          })}
          {pending.map((p) => (
            <PendingBubble
              key={p.clientMsgId}
              pending={p}
              replied={bySeq.get(replyToOf(p.content) ?? 0) ?? null}
              conversation={conversation}
            />
          ))}
        </ol>
      </div>
      {showJump ? (
        <button type="button" className="jump-btn" onClick={jump} aria-label={t('chat.jumpLatest')} data-testid="jump-latest">
          {newBelow || markerSeq !== null ? `${t('chat.newMessages')} ↓` : '↓'}
        </button>
      ) : null}
    </div>
  )
}

function isClose(a: Message, b: Message): boolean {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) < GROUP_GAP_MS
}
