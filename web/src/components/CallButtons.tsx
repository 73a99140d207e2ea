import { useEffect } from 'react'
import type { Conversation } from '../api/types.js'
import { useController, useT } from '../hooks/app-context.js'
import { useCallUi } from '../hooks/use-call.js'
import { Icon } from './Icon.js'

/** The voice and video call buttons of a chat header; a running group call shows a "join" bar instead (CallBar). */
export function CallButtons({ conversation }: { conversation: Conversation }) {
  const controller = useController()
  const t = useT()
  const busy = useCallUi((s) => s.phase !== 'idle')
  if (conversation.kind === 'world' || conversation.leftSeq !== null) return null
  return (
    <>
      {(['voice', 'video'] as const).map((media) => (
        <button
          key={media}
          type="button"
          className="icon-btn"
          disabled={busy}
          aria-label={t(media === 'voice' ? 'call.startVoice' : 'call.startVideo')}
          title={t(media === 'voice' ? 'call.startVoice' : 'call.startVideo')}
          onClick={() => void controller.calls.start(conversation.id, media)}
        >
          <Icon name={media === 'voice' ? 'phone' : 'video'} />
        </button>
      ))}
    </>
  )
}

/** "A call is in progress (n in it) · Join call", above a group chat's history while its call runs. */
export function CallBar({ conversationId, group }: { conversationId: string; group: boolean }) {
  const controller = useController()
  const t = useT()
  useEffect(() => {
    if (group) void controller.calls.loadRunning(conversationId)
  }, [controller, conversationId, group])
  const call = useCallUi((s) => s.running[conversationId])
  const inThisCall = useCallUi((s) => s.call?.id === call?.id && s.phase !== 'incoming')
  if (!call || inThisCall) return null
  const count = call.participants.filter((p) => p.state === 'joined').length
  return (
    <div className="call-bar" role="status" data-testid="call-bar">
      <Icon name={call.media === 'video' ? 'video' : 'phone'} />
      <span>{t('call.running', { count })}</span>
      <button type="button" className="btn primary small" onClick={() => void controller.calls.accept(call)}>
        {t('call.join')}
      </button>
    </div>
  )
}
