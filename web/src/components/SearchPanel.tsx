import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { SearchHit } from '../app/search-actions.js'
import { conversationTitle, displayNameOf, formatDay, formatTime } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { Icon } from './Icon.js'
import './search.css'
import { focusMessage } from './focus-message.js'

/** Fewer characters than this are not sent (the server answers 400): the box shows a hint instead. */
const MIN_CHARS = 2
const DEBOUNCE_MS = 350

/**
 * A message search box and its hits. Global (over the conversation list, which it replaces while a
 * query is typed) or in one chat (`conversationId`). A hit opens its chat at that message with the
 * messages around it. Snippets are rendered as text pieces (hits in <mark>), never as HTML.
 */
export function SearchPanel({
  conversationId,
  children,
  onClose,
}: {
  conversationId?: string
  children?: ReactNode
  onClose?: () => void
}) {
  const controller = useController()
  const t = useT()
  const [q, setQ] = useState('')
  const [hits, setHits] = useState<SearchHit[] | null>(null)
  const [cursor, setCursor] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const asked = useRef(0)
  const query = q.trim()
  const tooShort = query.length > 0 && [...query].length < MIN_CHARS

  const run = async (more: boolean) => {
    const ticket = ++asked.current
    setBusy(true)
    const filters = { ...(conversationId ? { conversationId } : {}), ...(more && cursor ? { cursor } : {}) }
    const page = await controller.search.search(query, filters)
    if (ticket !== asked.current) return // a newer query answered or is on its way
    setBusy(false)
    if (!page) return
    setHits((prev) => (more && prev ? [...prev, ...page.items] : page.items))
    setCursor(page.nextCursor)
  }

  useEffect(() => {
    if ([...query].length < MIN_CHARS) {
      asked.current++
      setHits(null)
      setBusy(false)
      return
    }
    const timer = setTimeout(() => void run(false), DEBOUNCE_MS)
    return () => clearTimeout(timer)
    // a new query (or chat) starts a new search; `run` reads them
  }, [query, conversationId])

  const open = async (hit: SearchHit) => {
    if (await controller.search.jumpTo(hit.message.conversationId, hit.message.seq)) focusMessage(hit.message.seq)
  }

  return (
    <div className={`search-panel ${conversationId ? 'in-chat' : 'global'}`}>
      <form
        className="search-bar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault()
          if (!tooShort && query) void run(false)
        }}
      >
        <Icon name="search" size={18} />
        <input
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder={conversationId ? t('msgSearch.inChatPlaceholder') : t('msgSearch.placeholder')}
          aria-label={conversationId ? t('msgSearch.inChatPlaceholder') : t('msgSearch.placeholder')}
          maxLength={100}
          autoFocus={!!conversationId}
          data-testid={conversationId ? 'chat-search-input' : 'search-input'}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              setQ('')
              onClose?.()
            }
          }}
        />
        {onClose ? (
          <button type="button" className="icon-btn small" aria-label={t('common.close')} onClick={onClose}>
            <Icon name="close" size={16} />
          </button>
        ) : null}
      </form>
      {tooShort ? <p className="empty-note">{t('msgSearch.tooShort', { min: MIN_CHARS })}</p> : null}
      {hits === null ? (
        busy ? (
          <p className="empty-note">{t('msgSearch.searching')}</p>
        ) : (
          children
        )
      ) : hits.length === 0 ? (
        <p className="empty-note" data-testid="search-none">
          {busy ? t('msgSearch.searching') : t('msgSearch.none')}
        </p>
      ) : (
        <ul className="search-results" aria-label={t('msgSearch.results')} data-testid="search-results">
          {hits.map((hit) => (
            <li key={hit.message.id}>
              <HitButton hit={hit} global={!conversationId} onOpen={() => void open(hit)} />
            </li>
          ))}
          {cursor ? (
            <li>
              <button type="button" className="search-more" disabled={busy} onClick={() => void run(true)}>
                {t('msgSearch.more')}
              </button>
            </li>
          ) : null}
        </ul>
      )}
    </div>
  )
}

function HitButton({ hit, global, onOpen }: { hit: SearchHit; global: boolean; onOpen: () => void }) {
  const t = useT()
  const m = hit.message
  const locale = useAppState((s) => s.locale)
  const where = useAppState((s) => {
    const c = s.conversations[m.conversationId]
    return c ? conversationTitle(s, c) : ''
  })
  const sender = useAppState((s) => displayNameOf(s, m.senderId, s.conversations[m.conversationId]?.group?.id))
  const sameDay = new Date(m.createdAt).toDateString() === new Date().toDateString()
  return (
    <button type="button" className="search-hit" onClick={onOpen} data-testid="search-hit" data-seq={m.seq}>
      <span className="search-hit-head">
        <strong className="ellipsis">{global && where ? `${where} · ${sender}` : sender}</strong>
        <span className="muted small">{sameDay ? formatTime(m.createdAt, locale) : formatDay(m.createdAt, locale)}</span>
      </span>
      <span className="search-snippet">
        {hit.field === 'name' ? <span className="muted">{t('msgSearch.fileName')} </span> : null}
        {hit.truncatedStart ? '…' : null}
        {hit.snippet.map((piece, i) => (piece.hit ? <mark key={i}>{piece.text}</mark> : <span key={i}>{piece.text}</span>))}
        {hit.truncatedEnd ? '…' : null}
      </span>
    </button>
  )
}
