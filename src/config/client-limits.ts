import { CAPTION_MAX_CHARS, type Limits } from '@jim/protocol'
import { MAX_RESUME_CONVERSATIONS } from '../domain/messages/resume-service.js'
import type { Config } from './config.js'

/**
 * The settings clients must respect, as this server runs them (the `ready` frame and
 * `GET /api/v1/config`): clients read them instead of hard-coding windows and sizes.
 */
export function clientLimits(config: Config): Limits {
  const limited = config.rateLimit.enabled
  return {
    editWindowSeconds: config.messages.editWindowSeconds,
    recallWindowSeconds: config.messages.recallWindowSeconds,
    maxTextLength: config.messages.maxTextLength,
    maxCaptionLength: CAPTION_MAX_CHARS,
    maxImageBytes: config.files.maxImageBytes,
    maxFileBytes: config.files.maxFileBytes,
    maxVoiceBytes: config.files.maxVoiceBytes,
    maxVideoBytes: config.files.maxVideoBytes,
    maxGroupMembers: config.groups.maxMembers,
    sendPerMinute: limited ? config.messages.sendPerMinute : 0,
    worldSendPerMinute: limited ? config.world.sendPerMinute : 0,
    resumeMaxMessages: config.messages.resumeMaxMessages,
    resumeMaxConversations: MAX_RESUME_CONVERSATIONS,
    maxFrameBytes: config.ws.maxFrameBytes,
    heartbeatSeconds: config.ws.heartbeatSeconds,
    maxReactionEmojis: config.messages.maxReactionEmojis,
    maxReactionsPerUser: config.messages.maxReactionsPerUser,
    maxPinnedMessages: config.messages.maxPinned,
    maxForwardMessages: config.messages.maxForwardMessages,
    maxForwardTargets: config.messages.maxForwardTargets,
  }
}
