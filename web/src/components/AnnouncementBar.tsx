import { useState } from 'react'
import { safeStorage } from '../app/storage.js'
import { useAppState, useT } from '../hooks/app-context.js'
import { Icon } from './Icon.js'

/** What was dismissed is remembered by its text: a new announcement shows again. */
const key = (me: string, groupId: string) => `jim.announcement.${me}.${groupId}`

/** A group's announcement, pinned above its messages until the user dismisses it. */
export function AnnouncementBar({ groupId }: { groupId: string }) {
  const t = useT()
  const me = useAppState((s) => s.auth?.user?.id ?? '')
  const text = useAppState((s) => s.groups[groupId]?.announcement ?? '')
  const [dismissed, setDismissed] = useState(() => safeStorage.get(key(me, groupId)))
  if (!text || dismissed === text) return null
  return (
    <div className="announcement-bar" role="note" aria-label={t('gadmin.announcement')} data-testid="announcement-bar">
      <Icon name="pin" size={16} />
      <p>{text}</p>
      <button
        type="button"
        className="icon-btn small"
        aria-label={t('chat.dismissAnnouncement')}
        title={t('chat.dismissAnnouncement')}
        onClick={() => {
          safeStorage.set(key(me, groupId), text)
          setDismissed(text)
        }}
      >
        <Icon name="close" size={16} />
      </button>
    </div>
  )
}
