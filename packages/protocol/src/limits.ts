import { Type, type Static } from 'typebox'

/**
 * The server settings a client must respect, as the server runs them: sent in the `ready` frame
 * and by `GET /api/v1/config`, so clients never hard-code them.
 */
export const Limits = Type.Object({
  editWindowSeconds: Type.Integer({ description: 'how long after sending a user may edit their text message' }),
  recallWindowSeconds: Type.Integer({ description: 'how long after sending a user may recall their own message' }),
  maxTextLength: Type.Integer({ description: 'longest text message, in characters' }),
  maxCaptionLength: Type.Integer({ description: 'longest caption on an image, file or video message, in characters' }),
  maxImageBytes: Type.Integer({ description: 'largest image upload' }),
  maxFileBytes: Type.Integer({ description: 'largest generic file upload' }),
  maxVoiceBytes: Type.Integer({ description: 'largest voice clip upload' }),
  maxVideoBytes: Type.Integer({ description: 'largest video upload' }),
  maxGroupMembers: Type.Integer({ description: 'default and highest member limit of a group' }),
  sendPerMinute: Type.Integer({ description: 'messages one user may send per minute (0: no limit)' }),
  worldSendPerMinute: Type.Integer({ description: 'messages one user may send to the world channel per minute (0: no limit)' }),
  resumeMaxMessages: Type.Integer({ description: 'most messages one `resume` replays per conversation before `resync_required`' }),
  resumeMaxConversations: Type.Integer({ description: 'most conversations one `resume` frame may list' }),
  maxFrameBytes: Type.Integer({ description: 'largest client frame (the socket closes with 1009 above)' }),
  heartbeatSeconds: Type.Integer({ description: 'server ping interval' }),
  maxReactionEmojis: Type.Integer({ description: 'most different emoji on one message' }),
  maxReactionsPerUser: Type.Integer({ description: 'most reactions one user may put on one message' }),
  maxPinnedMessages: Type.Integer({ description: 'most pinned messages per conversation' }),
  maxForwardMessages: Type.Integer({ description: 'most messages one forward takes' }),
  maxForwardTargets: Type.Integer({ description: 'most conversations one forward goes to' }),
})
export type Limits = Static<typeof Limits>
