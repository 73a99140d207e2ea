import { useMemo } from 'react'
import { useAppState, useT } from '../hooks/app-context.js'
import { sortConversations } from '../store/state.js'
import { arrowKeysHandler } from '../hooks/use-arrow-keys.js'
import { ConversationItem } from './ConversationItem.js'
import { NextSteps } from './NextSteps.js'

/** ArrowUp/ArrowDown/Home/End move between the chats of the list */
const toNeighbour = arrowKeysHandler('.conv-open')

export function ConversationList() {
  const t = useT()
  const conversations = useAppState((s) => s.conversations)
  const unavailable = useAppState((s) => s.conversationsUnavailable)
  const sorted = useMemo(() => sortConversations(Object.values(conversations)), [conversations])
  if (unavailable) return <p className="empty-note">{t('conv.unavailable')}</p>
  // nothing, or only the world channel everyone is in: say how to get a chat of one's own
  const onlyWorld = sorted.every((c) => c.kind === 'world')
  return (
    <>
      {sorted.length ? (
        <ul className="conv-list" aria-label={t('conv.listLabel')} onKeyDown={toNeighbour}>
          {sorted.map((c) => (
            <ConversationItem key={c.id} conversation={c} />
          ))}
        </ul>
      ) : null}
      {onlyWorld ? (
        <div className="empty-note" data-testid="conversations-empty">
          <p>{sorted.length ? t('conv.onlyWorld') : t('conv.none')}</p>
          <NextSteps />
        </div>
      ) : null}
    </>
  )
}
