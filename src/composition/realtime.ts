import type { Config } from '../config/config.js'
import type { AuthService } from '../domain/auth/auth-service.js'
import type { MemberRangesCache } from '../domain/conversations/member-ranges-cache.js'
import type { RateLimiter } from '../domain/security/rate-limiter.js'
import type { Store } from '../domain/store.js'
import type { PresenceService } from '../domain/users/presence-service.js'
import { ConversationFanout } from '../gateway/conversation-fanout.js'
import { Hub } from '../gateway/hub.js'
import { registerCallHandlers } from '../gateway/call-handlers.js'
import { createMessageSendHandler } from '../gateway/message-send-handler.js'
import { createResumeHandler } from '../gateway/resume-handler.js'
import { WsGateway } from '../gateway/ws-gateway.js'
import type { Logger } from '../shared/logger.js'
import type { Metrics } from '../shared/metrics.js'
import type { Messaging } from './messaging.js'

export interface RealtimeDeps {
  store: Store
  auth: AuthService
  presence: PresenceService
  memberRanges: MemberRangesCache
  messaging: Pick<Messaging, 'messages' | 'signals' | 'resume' | 'calls'>
  limiter: RateLimiter
  logger: Logger
  metrics: Metrics
}

/**
 * The WebSocket side: this instance's sockets (the hub), the conversation fan-out that pushes to
 * them authorized per recipient, and the gateway with the client frames it answers.
 */
export function createRealtime(config: Config, deps: RealtimeDeps): WsGateway {
  const { store, logger, metrics, messaging } = deps
  const hub = new Hub()
  const fanout = new ConversationFanout({
    hub,
    store,
    members: deps.memberRanges,
    logger,
    onPushed: (n) => metrics.wsFramesPushed.inc(n),
  })
  const gateway = new WsGateway({
    config,
    auth: deps.auth,
    presence: deps.presence,
    logger,
    metrics: metrics.gateway,
    limiter: deps.limiter,
    hub,
    router: fanout,
  })
  // frames arrive checked against @jim/protocol (a typing frame has its conversationId)
  gateway.onFrame('typing', (conn, frame) => messaging.signals.typing(conn.userId, conn.sessionId, frame.conversationId))
  gateway.onFrame('message.send', createMessageSendHandler(messaging.messages))
  gateway.onFrame('resume', createResumeHandler(messaging.resume, fanout, config.ws.queueMaxFrames))
  registerCallHandlers(gateway, messaging.calls)
  return gateway
}
