/**
 * What issue 18 adds around a message: its reactions, the "forwarded from" line, a merged
 * forward's chat history (opened as a list), the forward dialog, the selection bar for forwarding
 * several messages, and the pinned bar. User text is rendered as React text nodes only.
 */
import { useEffect, useMemo, useState } from 'react'
import type { Conversation, Message, PinnedMessage } from '../api/types.js'
import { conversationTitle, formatTime, previewText, typeLabel } from '../app/format.js'
import type { Locale } from '../i18n/index.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { sortConversations } from '../store/state.js'
import { focusMessage } from './focus-message.js'
import { Icon } from './Icon.js'
import { MessageMedia } from './MessageMedia.js'
import './message-extras.css'

/** The quick reactions the message menu offers. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮'] as const

interface Origin {
  senderId: string | null
  senderName: string
}

interface HistoryItem extends Origin {
  type: string
  content: Record<string, unknown>
  createdAt: string
}

/** Emoji chips with counts; a click adds or takes back my reaction. */
export function Reactions({ message: m }: { message: Message }) {
  const controller = useController()
  const t = useT()
  const me = useAppState((s) => s.auth?.user?.id ?? '')
  if (!m.reactions?.length || m.recalledAt) return null
  return (
    <div className="reactions" data-testid="reactions">
      {m.reactions.map((r) => {
        const mine = r.userIds.includes(me)
        return (
          <button
            key={r.emoji}
            type="button"
            className={`reaction ${mine ? 'mine' : ''}`}
            aria-pressed={mine}
            aria-label={t('react.chip', { emoji: r.emoji, count: r.count })}
            onClick={() => void controller.messages.toggleReaction(m.conversationId, m.seq, r.emoji, mine)}
          >
            {r.emoji} <span className="count">{r.count}</span>
          </button>
        )
      })}
    </div>
  )
}

/** "Forwarded from Bob": the original sender's name (others may not open the source chat). */
export function ForwardedLabel({ message: m }: { message: Message }) {
  const t = useT()
  const origin = m.content.forwarded as Origin | undefined
  if (!origin || m.recalledAt) return null
  return (
    <div className="forwarded muted small" data-testid="forwarded">
      <Icon name="reply" size={12} /> {t('forward.from', { name: origin.senderName || t('forward.someone') })}
    </div>
  )
}

/** A merged forward: a card that opens the chat history as a list. */
export function ChatHistoryCard({ message: m }: { message: Message }) {
  const t = useT()
  const [open, setOpen] = useState(false)
  const locale = useAppState((s) => s.locale)
  const items = (Array.isArray(m.content.items) ? m.content.items : []) as HistoryItem[]
  const source = m.content.source as { kind?: string; name?: string; names?: string[] } | undefined
  const title = source?.name
    ? t('forward.historyOfGroup', { name: source.name })
    : t('forward.historyOf', { names: (source?.names ?? []).join(t('forward.and')) })
  return (
    <div className="chat-history" data-testid="chat-history">
      <button type="button" className="chat-history-card" onClick={() => setOpen(true)}>
        <strong>{title}</strong>
        {items.slice(0, 3).map((item, i) => (
          <span key={i} className="small muted ellipsis">
            {item.senderName}: {itemPreview(item, locale)}
          </span>
        ))}
        <span className="small">{t('forward.historyCount', { count: items.length })}</span>
      </button>
      {open ? (
        <div className="modal-backdrop" role="presentation" onClick={() => setOpen(false)}>
          <div
            className="modal chat-history-list"
            role="dialog"
            aria-label={title}
            data-testid="chat-history-list"
            onClick={(e) => e.stopPropagation()}
          >
            <header className="info-header">
              <h3>{title}</h3>
              <button type="button" className="icon-btn" aria-label={t('common.close')} onClick={() => setOpen(false)}>
                <Icon name="close" />
              </button>
            </header>
            <ol>
              {items.map((item, i) => (
                <li key={i}>
                  <span className="sender">{item.senderName}</span>{' '}
                  <time className="muted small" dateTime={item.createdAt}>
                    {new Date(item.createdAt).toLocaleString()}
                  </time>
                  {item.type === 'text' ? (
                    <p className="msg-text">{String(item.content.text ?? '')}</p>
                  ) : typeof item.content.fileId === 'string' ? (
                    <MessageMedia message={{ ...m, type: item.type, content: item.content }} />
                  ) : (
                    <p className="muted">{itemPreview(item, locale)}</p>
                  )}
                </li>
              ))}
            </ol>
          </div>
        </div>
      ) : null}
    </div>
  )
}

function itemPreview(item: HistoryItem, locale: Locale): string {
  if (item.type === 'text') return String(item.content.text ?? '')
  return typeLabel(locale, item.type)
}

/** Picks the conversations to forward to (and, for several messages, one by one or merged), then sends. */
export function ForwardDialog({ conversationId, seqs, onClose }: { conversationId: string; seqs: number[]; onClose: () => void }) {
  const controller = useController()
  const t = useT()
  const limits = useAppState((s) => s.limits)
  const conversations = useAppState((s) => s.conversations)
  const targets = useMemo(() => sortConversations(Object.values(conversations)).filter((c) => c.leftSeq === null), [conversations])
  // names as they are when the dialog opens (selectors must return stable values)
  const titles = useMemo(() => {
    const s = controller.store.getState()
    return Object.fromEntries(targets.map((c) => [c.id, conversationTitle(s, c)]))
  }, [targets, controller])
  const [chosen, setChosen] = useState<string[]>([])
  const [mode, setMode] = useState<'single' | 'merged'>(seqs.length > 1 ? 'merged' : 'single')
  const [busy, setBusy] = useState(false)
  const maxTargets = limits?.maxForwardTargets ?? 10
  const toggle = (id: string) => setChosen((x) => (x.includes(id) ? x.filter((y) => y !== id) : x.length < maxTargets ? [...x, id] : x))
  const send = async () => {
    setBusy(true)
    const ok = await controller.messages.forward(conversationId, seqs, chosen, mode)
    setBusy(false)
    if (ok) onClose()
  }
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal forward-dialog" role="dialog" aria-label={t('forward.title')} onClick={(e) => e.stopPropagation()}>
        <header className="info-header">
          <h3>{t('forward.title')}</h3>
          <button type="button" className="icon-btn" aria-label={t('common.close')} onClick={onClose}>
            <Icon name="close" />
          </button>
        </header>
        {seqs.length > 1 ? (
          <fieldset className="forward-mode">
            <label>
              <input type="radio" name="forward-mode" checked={mode === 'merged'} onChange={() => setMode('merged')} />
              {t('forward.merged')}
            </label>
            <label>
              <input type="radio" name="forward-mode" checked={mode === 'single'} onChange={() => setMode('single')} />
              {t('forward.single')}
            </label>
          </fieldset>
        ) : null}
        <p className="muted small">{t('forward.pick', { max: maxTargets })}</p>
        <ul className="forward-targets">
          {targets.map((c) => (
            <li key={c.id}>
              <label>
                <input type="checkbox" checked={chosen.includes(c.id)} onChange={() => toggle(c.id)} />
                {c.kind === 'world' ? t('conv.world') : titles[c.id]}
              </label>
            </li>
          ))}
        </ul>
        <button type="button" className="btn" disabled={busy || chosen.length === 0} onClick={() => void send()}>
          {t('forward.send', { count: chosen.length })}
        </button>
      </div>
    </div>
  )
}

/** Shown while messages are being selected: how many, forward them, or stop selecting. */
export function SelectionBar({ conversationId }: { conversationId: string }) {
  const controller = useController()
  const t = useT()
  const selection = useAppState((s) => (s.selection?.conversationId === conversationId ? s.selection : null))
  const max = useAppState((s) => s.limits?.maxForwardMessages ?? 50)
  const [forwarding, setForwarding] = useState(false)
  if (!selection) return null
  const count = selection.seqs.length
  return (
    <div className="selection-bar" role="toolbar" aria-label={t('forward.selecting')} data-testid="selection-bar">
      <span>{t('forward.selected', { count, max })}</span>
      <button type="button" className="btn small" disabled={count === 0 || count > max} onClick={() => setForwarding(true)}>
        {t('forward.action')}
      </button>
      <button type="button" className="btn ghost small" onClick={() => controller.messages.select(null)}>
        {t('common.cancel')}
      </button>
      {forwarding ? (
        <ForwardDialog
          conversationId={conversationId}
          seqs={[...selection.seqs].sort((a, b) => a - b)}
          onClose={() => {
            setForwarding(false)
            controller.messages.select(null)
          }}
        />
      ) : null}
    </div>
  )
}

/** The pinned bar: the newest pin's text; a click shows them all; unpin where I may. */
export function PinnedBar({ conversation: c, canPin }: { conversation: Conversation; canPin: boolean }) {
  const controller = useController()
  const t = useT()
  const [items, setItems] = useState<PinnedMessage[]>([])
  const [expanded, setExpanded] = useState(false)
  const preview = (m: Message) => previewText(controller.store.getState(), m)
  const locale = useAppState((s) => s.locale)
  const key = (c.pins ?? []).map((p) => p.seq).join(',')
  useEffect(() => {
    if (!key) return setItems([])
    let live = true
    void controller.messages.pinnedMessages(c.id).then((x) => live && setItems(x))
    return () => {
      live = false
    }
  }, [c.id, key, controller])
  if (!key || items.length === 0) return null
  const shown = expanded ? items : items.slice(0, 1)
  return (
    <div className="pinned-bar" data-testid="pinned-bar" aria-label={t('pin.bar')}>
      <Icon name="pin" size={14} />
      <ul>
        {shown.map((p) => (
          <li key={p.seq}>
            <button
              type="button"
              className="pinned-text ellipsis"
              // a pin older than the loaded history: load the history around it first, as a search hit does
              onClick={() => void controller.search.jumpTo(c.id, p.seq).then((ok) => ok && focusMessage(p.seq))}
            >
              {preview(p.message)}
            </button>
            <time className="muted small" dateTime={p.pinnedAt}>
              {formatTime(p.pinnedAt, locale)}
            </time>
            {canPin ? (
              <button type="button" className="btn ghost small" onClick={() => void controller.messages.setPinned(c.id, p.seq, false)}>
                {t('pin.unpin')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {items.length > 1 ? (
        <button type="button" className="btn ghost small" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
          {expanded ? t('pin.less') : t('pin.all', { count: items.length })}
        </button>
      ) : null}
    </div>
  )
}
