import { useMemo } from 'react'
import { useAppState, useT } from '../hooks/app-context.js'
import { sortConversations } from '../store/state.js'
import { ConversationItem } from './ConversationItem.js'

export function ConversationList() {
  const t = useT()
  const conversations = useAppState((s) => s.conversations)
  const unavailable = useAppState((s) => s.conversationsUnavailable)
  const sorted = useMemo(() => sortConversations(Object.values(conversations)), [conversations])
  if (unavailable) return <p className="empty-note">{t('conv.unavailable')}</p>
  if (sorted.length === 0) return <p className="empty-note">{t('conv.none')}</p>
  return (
    <ul className="conv-list" aria-label={t('conv.listLabel')}>
      {sorted.map((c) => (
        <ConversationItem key={c.id} conversation={c} />
      ))}
    </ul>
  )
}
