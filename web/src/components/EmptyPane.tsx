import { useT } from '../hooks/app-context.js'
import { Icon } from './Icon.js'

export function EmptyPane() {
  const t = useT()
  return (
    <div className="empty-pane">
      <Icon name="chat" size={56} />
      <h2>{t('empty.title')}</h2>
      <p className="muted">{t('empty.hint')}</p>
    </div>
  )
}
