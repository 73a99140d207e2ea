import { useAppState } from '../hooks/app-context.js'
import { useMediaQuery } from '../hooks/use-media-query.js'
import { AdminPanel } from './AdminPanel.js'
import { CallOverlay } from './CallOverlay.js'
import { ChatView } from './ChatView.js'
import { ConnectionBanner } from './ConnectionBanner.js'
import { Sidebar } from './Sidebar.js'
import { EmptyPane } from './EmptyPane.js'

/** Sidebar and chat side by side; on a phone, one at a time. The admin page alone, full width. */
export function Shell() {
  const activeId = useAppState((s) => s.activeId)
  // the admin page takes the whole window: its tables do not fit the sidebar
  const admin = useAppState((s) => s.tab === 'admin' && s.auth?.user?.role === 'admin')
  const narrow = useMediaQuery('(max-width: 760px)')
  const showSidebar = !narrow || !activeId
  const showChat = !narrow || !!activeId
  return (
    <div className={`shell ${narrow ? 'narrow' : ''}`}>
      <ConnectionBanner />
      <div className="panes">
        {admin ? (
          <main className="main-pane admin-pane">
            <AdminPanel />
          </main>
        ) : null}
        {!admin && showSidebar ? <Sidebar /> : null}
        {!admin && showChat ? (
          <main className="main-pane">
            {activeId ? <ChatView key={activeId} conversationId={activeId} narrow={narrow} /> : <EmptyPane />}
          </main>
        ) : null}
      </div>
      <CallOverlay />
    </div>
  )
}
