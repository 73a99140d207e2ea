import { useAppState } from '../hooks/app-context.js'
import { useMediaQuery } from '../hooks/use-media-query.js'
import { CallOverlay } from './CallOverlay.js'
import { ChatView } from './ChatView.js'
import { ConnectionBanner } from './ConnectionBanner.js'
import { Sidebar } from './Sidebar.js'
import { EmptyPane } from './EmptyPane.js'

/** Sidebar and chat side by side; on a phone, one at a time. */
export function Shell() {
  const activeId = useAppState((s) => s.activeId)
  const narrow = useMediaQuery('(max-width: 760px)')
  const showSidebar = !narrow || !activeId
  const showChat = !narrow || !!activeId
  return (
    <div className={`shell ${narrow ? 'narrow' : ''}`}>
      <ConnectionBanner />
      <div className="panes">
        {showSidebar ? <Sidebar /> : null}
        {showChat ? (
          <main className="main-pane">
            {activeId ? <ChatView key={activeId} conversationId={activeId} narrow={narrow} /> : <EmptyPane />}
          </main>
        ) : null}
      </div>
      <CallOverlay />
    </div>
  )
}
