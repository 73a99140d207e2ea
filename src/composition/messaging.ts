import type { Config } from '../config/config.js'
import { bundledStickerSet } from '../adapters/stickers/bundled-sticker-set.js'
import type { Broker } from '../domain/broker.js'
import { CallService, type CallRinging } from '../domain/calls/call-service.js'
import { SearchService } from '../domain/search/search-service.js'
import { ConversationService } from '../domain/conversations/conversation-service.js'
import { SendFactsCache } from '../domain/conversations/send-facts-cache.js'
import { SignalService } from '../domain/conversations/signal-service.js'
import { WorldSettings } from '../domain/conversations/world-settings.js'
import type { FileService } from '../domain/files/file-service.js'
import { createMediaHook } from '../domain/files/media-content.js'
import { MessageEditService } from '../domain/messages/message-edit-service.js'
import { MessageService } from '../domain/messages/message-service.js'
import { PinService } from '../domain/messages/pin-service.js'
import { HideService } from '../domain/messages/hide-service.js'
import { ForwardService } from '../domain/messages/forward-service.js'
import { ReactionService } from '../domain/messages/reaction-service.js'
import { ResumeService } from '../domain/messages/resume-service.js'
import { createActionLimiter, createSendLimiter } from '../domain/messages/send-limiter.js'
import type { MessageActionDeps } from '../domain/messages/visible-message.js'
import type { RateLimiter } from '../domain/security/rate-limiter.js'
import type { StickerSet } from '../domain/stickers/sticker-set.js'
import type { Store } from '../domain/store.js'
import type { Clock } from '../shared/clock.js'
import type { Logger } from '../shared/logger.js'
import type { Metrics } from '../shared/metrics.js'
import type { Message } from '../domain/messages/message.js'

export interface Messaging {
  world: WorldSettings
  stickers: StickerSet
  conversations: ConversationService
  /** authorization facts of sends, edits and recalls, cached per conversation and user (cluster events invalidate them) */
  sendFacts: SendFactsCache
  messages: MessageService
  signals: SignalService
  edits: MessageEditService
  reactions: ReactionService
  pins: PinService
  /** delete for me */
  hides: HideService
  forwards: ForwardService
  resume: ResumeService
  /** voice and video calls (signalling only); `startSweeps` and `settle`/`close` are the app's */
  calls: CallService
  search: SearchService
}

export interface MessagingDeps {
  store: Store
  broker: Broker
  limiter: RateLimiter
  files: FileService
  clock: Clock
  logger: Logger
  metrics: Metrics
  /** Web Push: told of each stored message and each moved read position (absent: push is off) */
  push?: {
    messageStored(message: Message): void
    readMoved(userId: string, conversationId: string, readSeq: number): void
    callRinging(call: CallRinging): void
  }
}

/** One send path (store, then publish); edits, recalls, reactions and pins share its rules, each with its own rate limit. */
export function createMessaging(config: Config, deps: MessagingDeps): Messaging {
  const { store, broker, limiter, files, clock, logger, metrics, push } = deps
  const world = new WorldSettings(store)
  const stickers = bundledStickerSet()
  const conversations = new ConversationService({ store, broker, clock, logger })
  const sendFacts = new SendFactsCache({ store, conversations, world })
  const messages = new MessageService({
    store,
    broker,
    clock,
    logger,
    conversations,
    facts: sendFacts,
    limits: { maxTextLength: config.messages.maxTextLength, stickers },
    limiter: createSendLimiter(limiter, {
      enabled: config.rateLimit.enabled,
      sendPerMinute: config.messages.sendPerMinute,
      worldSendPerMinute: config.world.sendPerMinute,
      worldGlobalPerSecond: config.world.globalSendPerSecond,
    }),
    onStored: (message) => {
      metrics.messagesStored.inc()
      push?.messageStored(message)
    },
    media: createMediaHook({ files, records: store.files, clock }),
  })
  const messageAction = (perMinute: number, action: Parameters<typeof createActionLimiter>[2], tooFast: string): MessageActionDeps => ({
    store,
    broker,
    clock,
    logger,
    conversations,
    facts: sendFacts,
    limiter: createActionLimiter(limiter, { enabled: config.rateLimit.enabled, perMinute }, action, tooFast),
  })
  const edits = new MessageEditService({
    ...messageAction(config.messages.editPerMinute, 'edit', 'You are changing messages too fast; wait a moment.'),
    editWindowMs: config.messages.editWindowSeconds * 1000,
    recallWindowMs: config.messages.recallWindowSeconds * 1000,
    maxTextLength: config.messages.maxTextLength,
  })
  const reactions = new ReactionService({
    ...messageAction(config.messages.reactPerMinute, 'react', 'You are reacting too fast; wait a moment.'),
    maxEmojis: config.messages.maxReactionEmojis,
    maxPerUser: config.messages.maxReactionsPerUser,
  })
  const pins = new PinService({
    ...messageAction(config.messages.pinPerMinute, 'pin', 'You are pinning too fast; wait a moment.'),
    maxPinned: config.messages.maxPinned,
  })
  const hides = new HideService(messageAction(config.messages.hidePerMinute, 'hide', 'You are deleting messages too fast; wait a moment.'))
  const forwards = new ForwardService({
    ...messageAction(config.messages.forwardPerMinute, 'forward', 'You are forwarding too fast; wait a moment.'),
    messages,
    files,
    maxMessages: config.messages.maxForwardMessages,
    maxTargets: config.messages.maxForwardTargets,
  })
  return {
    world,
    stickers,
    conversations,
    sendFacts,
    messages,
    signals: new SignalService({
      store,
      broker,
      clock,
      conversations,
      onReadMoved: push ? (userId, conversationId, readSeq) => push.readMoved(userId, conversationId, readSeq) : undefined,
    }),
    edits,
    reactions,
    pins,
    hides,
    forwards,
    resume: new ResumeService({ store, conversations, maxMessages: config.messages.resumeMaxMessages }),
    calls: new CallService({
      store,
      broker,
      clock,
      logger,
      conversations,
      settings: config.calls,
      onRinging: push ? (call) => push.callRinging(call) : undefined,
    }),
    search: new SearchService({
      store,
      conversations,
      logger,
      limiter: createActionLimiter(
        limiter,
        { enabled: config.rateLimit.enabled, perMinute: config.messages.searchPerMinute },
        'search',
        'You are searching too fast; wait a moment.',
      ),
    }),
  }
}
