import { useState } from 'react'
import { notificationPermission, requestNotificationPermission } from '../app/notify.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import type { Tab } from '../store/state.js'
import { Avatar } from './Avatar.js'
import { ConversationList } from './ConversationList.js'
import { FriendsPanel } from './FriendsPanel.js'
import { GroupsPanel } from './GroupsPanel.js'
import { Icon, type IconName } from './Icon.js'
import { LanguageSwitch } from './LanguageSwitch.js'
import { SearchPanel } from './SearchPanel.js'
import { SettingsPanel } from './SettingsPanel.js'

export function Sidebar() {
  const controller = useController()
  const t = useT()
  const user = useAppState((s) => s.auth?.user ?? null)
  const tab = useAppState((s) => s.tab)
  const unread = useAppState((s) => Object.values(s.conversations).reduce((n, c) => n + (c.muted ? 0 : c.unreadCount), 0))
  const requests = useAppState((s) => s.incoming.filter((r) => r.status === 'pending').length)
  const invitations = useAppState((s) => s.invitations.length)
  const [permission, setPermission] = useState(notificationPermission())

  const tabs: Array<{ id: Tab; icon: IconName; label: string; badge: number }> = [
    { id: 'chats', icon: 'chat', label: t('tabs.chats'), badge: unread },
    { id: 'friends', icon: 'people', label: t('tabs.friends'), badge: requests },
    { id: 'groups', icon: 'group', label: t('tabs.groups'), badge: invitations },
  ]

  return (
    <aside className="sidebar" aria-label={t('sidebar.label')}>
      <header className="sidebar-header">
        <div className="me">
          <Avatar name={user?.nickname || user?.username || '?'} colorKey={user?.id ?? ''} presence={user?.status ?? 'online'} />
          <div className="me-names">
            <strong className="ellipsis" data-testid="me-name">
              {user?.nickname || user?.username || '…'}
            </strong>
            <span className="muted small ellipsis">@{user?.username ?? ''}</span>
          </div>
        </div>
        <div className="sidebar-actions">
          {permission === 'default' ? (
            <button
              type="button"
              className="icon-btn"
              title={t('settings.enableNotifications')}
              aria-label={t('settings.enableNotifications')}
              onClick={async () => setPermission(await requestNotificationPermission())}
            >
              <Icon name="bell" />
            </button>
          ) : null}
          <LanguageSwitch />
          {user?.role === 'admin' ? (
            <button
              type="button"
              className={`icon-btn ${tab === 'admin' ? 'on' : ''}`}
              title={t('admin.open')}
              aria-label={t('admin.open')}
              aria-pressed={tab === 'admin'}
              onClick={() => controller.setTab(tab === 'admin' ? 'chats' : 'admin')}
            >
              <Icon name="shield" />
            </button>
          ) : null}
          <button
            type="button"
            className={`icon-btn ${tab === 'settings' ? 'on' : ''}`}
            title={t('settings.open')}
            aria-label={t('settings.open')}
            aria-pressed={tab === 'settings'}
            onClick={() => controller.setTab(tab === 'settings' ? 'chats' : 'settings')}
          >
            <Icon name="gear" />
          </button>
          <button
            type="button"
            className="icon-btn"
            title={t('auth.logout')}
            aria-label={t('auth.logout')}
            onClick={() => void controller.logout()}
          >
            <Icon name="logout" />
          </button>
        </div>
      </header>
      <nav className="tabs" role="tablist" aria-label={t('sidebar.sections')}>
        {tabs.map((x) => (
          <button
            key={x.id}
            type="button"
            role="tab"
            id={`tab-${x.id}`}
            aria-selected={tab === x.id}
            aria-controls={`panel-${x.id}`}
            className={tab === x.id ? 'active' : ''}
            onClick={() => controller.setTab(x.id)}
          >
            <Icon name={x.icon} size={18} />
            <span>{x.label}</span>
            {x.badge > 0 ? (
              <span className="badge">
                <span aria-hidden="true">{x.badge > 99 ? '99+' : x.badge}</span>
                <span className="sr-only">{t('badge.count', { count: x.badge })}</span>
              </span>
            ) : null}
          </button>
        ))}
      </nav>
      <div className="sidebar-body" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'chats' ? (
          <SearchPanel>
            <ConversationList />
          </SearchPanel>
        ) : tab === 'friends' ? (
          <FriendsPanel />
        ) : tab === 'settings' ? (
          <SettingsPanel />
        ) : (
          <GroupsPanel />
        )}
      </div>
    </aside>
  )
}
