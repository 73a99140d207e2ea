import { useAppState, useT } from '../hooks/app-context.js'
import { Icon } from './Icon.js'
import { NextSteps } from './NextSteps.js'

/** The chat pane with no chat open: a welcome and next steps for a newcomer, else a hint. */
export function EmptyPane() {
  const t = useT()
  const newcomer = useAppState((s) => Object.keys(s.friends).length === 0 && Object.keys(s.groups).length === 0)
  const name = useAppState((s) => s.auth?.user?.nickname || s.auth?.user?.username || '')
  return (
    <div className="empty-pane">
      <Icon name="chat" size={56} />
      <h2>{newcomer ? t('empty.welcome', { name }) : t('empty.title')}</h2>
      <p className="muted">{newcomer ? t('empty.newcomerHint') : t('empty.hint')}</p>
      <NextSteps />
    </div>
  )
}
