import { useEffect, useRef } from 'react'
import type { CallParticipant } from '../api/types.js'
import type { PeerView } from '../app/call-mesh.js'
import { conversationTitle, displayNameOf } from '../app/format.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { useCallUi } from '../hooks/use-call.js'
import { useSpeaking } from '../hooks/use-speaking.js'
import type { MessageKey } from '../i18n/index.js'
import { Avatar } from './Avatar.js'
import { Icon } from './Icon.js'

/** The incoming-call dialog, the call screen (tiles and controls), and why a call ended. */
export function CallOverlay() {
  const phase = useCallUi((s) => s.phase)
  const ended = useCallUi((s) => s.ended)
  const t = useT()
  return (
    <>
      {phase === 'incoming' ? <IncomingCall /> : null}
      {phase === 'outgoing' || phase === 'in-call' ? <CallScreen /> : null}
      {ended ? (
        <div className="call-ended" role="status" data-testid="call-ended">
          {t(`call.ended.${ended.reason}` as MessageKey)}
        </div>
      ) : null}
    </>
  )
}

function IncomingCall() {
  const controller = useController()
  const t = useT()
  const call = useCallUi((s) => s.call)!
  const callerName = useAppState((s) => displayNameOf(s, call.initiatorId))
  const where = useAppState((s) => {
    const c = s.conversations[call.conversationId]
    return c && c.kind === 'group' ? conversationTitle(s, c) : null
  })
  return (
    <div className="call-incoming" role="dialog" aria-label={t('call.incoming')} data-testid="incoming-call">
      <Avatar name={callerName} colorKey={call.initiatorId} size="lg" />
      <div className="call-incoming-text">
        <strong>{t(call.media === 'video' ? 'call.incomingVideo' : 'call.incomingVoice', { name: callerName })}</strong>
        {where ? <span className="muted small">{where}</span> : null}
      </div>
      <div className="call-incoming-actions">
        <button
          type="button"
          className="call-btn danger"
          aria-label={t('call.decline')}
          title={t('call.decline')}
          onClick={() => controller.calls.decline()}
        >
          <Icon name="hangup" />
        </button>
        <button
          type="button"
          className="call-btn ok"
          aria-label={t('call.accept')}
          title={t('call.accept')}
          onClick={() => void controller.calls.accept()}
        >
          <Icon name={call.media === 'video' ? 'video' : 'phone'} />
        </button>
      </div>
    </div>
  )
}

function CallScreen() {
  const controller = useController()
  const t = useT()
  const ui = useCallUi((s) => s)
  const me = useAppState((s) => s.auth?.user?.id ?? '')
  const title = useAppState((s) => {
    const c = ui.call && s.conversations[ui.call.conversationId]
    return c ? conversationTitle(s, c) : ''
  })
  const call = ui.call!
  const byUser = new Map<string, CallParticipant>(call.participants.map((p) => [p.userId, p]))
  const waiting = ui.phase === 'outgoing' || ui.peers.length === 0
  return (
    <section className="call-screen" aria-label={t('call.label')} data-testid="call-screen" data-phase={ui.phase}>
      <header className="call-screen-title">
        <strong className="ellipsis">{title}</strong>
        {waiting ? (
          <span className="muted">{ui.phase === 'outgoing' ? t('call.calling', { name: title }) : t('call.connecting')}</span>
        ) : null}
      </header>
      <div className={`call-tiles n${Math.min(ui.peers.length + 1, 6)}`}>
        <Tile stream={ui.local} userId={me} self muted={ui.muted} cameraOff={ui.cameraOff || call.media === 'voice'} state={null} />
        {ui.peers.map((p: PeerView) => {
          const part = byUser.get(p.userId)
          return (
            <Tile
              key={p.connectionId}
              stream={p.stream}
              userId={p.userId}
              muted={!!part?.muted}
              cameraOff={!!part?.cameraOff || call.media === 'voice'}
              state={p.state}
            />
          )
        })}
      </div>
      <div className="call-controls">
        <button
          type="button"
          className={`call-btn ${ui.muted ? 'on' : ''}`}
          aria-pressed={ui.muted}
          aria-label={ui.muted ? t('call.unmute') : t('call.mute')}
          title={ui.muted ? t('call.unmute') : t('call.mute')}
          onClick={() => controller.calls.toggleMute()}
        >
          <Icon name={ui.muted ? 'mute' : 'mic'} />
        </button>
        {call.media === 'video' && !ui.voiceOnly ? (
          <>
            <button
              type="button"
              className={`call-btn ${ui.cameraOff ? 'on' : ''}`}
              aria-pressed={ui.cameraOff}
              aria-label={ui.cameraOff ? t('call.cameraOn') : t('call.cameraOff')}
              title={ui.cameraOff ? t('call.cameraOn') : t('call.cameraOff')}
              onClick={() => controller.calls.toggleCamera()}
            >
              <Icon name="video" />
            </button>
            <button
              type="button"
              className="call-btn"
              aria-label={t('call.voiceOnly')}
              title={t('call.voiceOnly')}
              onClick={() => controller.calls.voiceOnly()}
            >
              <Icon name="phone" />
            </button>
          </>
        ) : null}
        <button
          type="button"
          className="call-btn danger"
          aria-label={t('call.hangUp')}
          title={t('call.hangUp')}
          onClick={() => controller.calls.hangUp()}
        >
          <Icon name="hangup" />
        </button>
      </div>
    </section>
  )
}

/** One participant: their video (or avatar), name, and muted / camera-off marks. */
function Tile(props: {
  stream: MediaStream | null
  userId: string
  self?: boolean
  muted: boolean
  cameraOff: boolean
  state: RTCPeerConnectionState | null
}) {
  const t = useT()
  const name = useAppState((s) => (props.self ? t('call.you') : displayNameOf(s, props.userId)))
  const video = useRef<HTMLVideoElement>(null)
  useEffect(() => {
    if (video.current && video.current.srcObject !== props.stream) video.current.srcObject = props.stream
  })
  const reconnecting = props.state === 'disconnected' || props.state === 'failed'
  const speaking = useSpeaking(props.stream, !props.muted)
  return (
    <figure
      className={`call-tile ${props.cameraOff ? 'no-video' : ''} ${speaking ? 'speaking' : ''}`}
      data-testid="call-tile"
      data-user={props.userId}
      data-state={props.state ?? 'self'}
    >
      {/* remote tiles play the peer's audio too; my own is muted (no echo) */}
      <video ref={video} autoPlay playsInline muted={!!props.self} />
      {props.cameraOff ? <Avatar name={name} colorKey={props.userId} size="lg" /> : null}
      <figcaption>
        <span className="ellipsis">{name}</span>
        {speaking ? <span className="badge speaking">{t('call.speaking')}</span> : null}
        {props.muted ? <span className="badge">{t('call.mutedBadge')}</span> : null}
        {props.cameraOff && !props.self ? <span className="badge">{t('call.cameraOffBadge')}</span> : null}
        {reconnecting ? <span className="badge warn">{t('call.reconnecting', { name })}</span> : null}
      </figcaption>
    </figure>
  )
}
