import type { FastifyInstance } from 'fastify'
import type { Config } from '../config/config.js'
import { clientLimits } from '../config/client-limits.js'
import type { Broker } from '../domain/broker.js'
import type { FileService } from '../domain/files/file-service.js'
import type { FriendService } from '../domain/friends/friend-service.js'
import type { GroupMemberService } from '../domain/groups/group-member-service.js'
import type { GroupService } from '../domain/groups/group-service.js'
import type { Store } from '../domain/store.js'
import type { UserService } from '../domain/users/user-service.js'
import { registerAuthHook } from '../http/auth-hook.js'
import { registerRateLimitHook } from '../http/rate-limit-hook.js'
import { sensitiveRouteLimits } from '../http/route-limits.js'
import { registerAccountRoutes } from '../http/routes/account-routes.js'
import { registerAdminRoutes } from '../http/routes/admin-routes.js'
import { registerCallRoutes } from '../http/routes/call-routes.js'
import { registerSearchRoutes } from '../http/routes/search-routes.js'
import { registerAuthRoutes } from '../http/routes/auth-routes.js'
import { registerCaptchaRoutes } from '../http/routes/captcha-routes.js'
import { registerConfigRoutes } from '../http/routes/config-routes.js'
import { registerConversationRoutes } from '../http/routes/conversation-routes.js'
import { registerFileRoutes } from '../http/routes/file-routes.js'
import { registerFriendRoutes } from '../http/routes/friend-routes.js'
import { registerGroupRoutes } from '../http/routes/group-routes.js'
import { registerHealthRoutes } from '../http/routes/health-routes.js'
import { registerMeRoutes } from '../http/routes/me-routes.js'
import { registerMessageRoutes } from '../http/routes/message-routes.js'
import { registerPinRoutes } from '../http/routes/pin-routes.js'
import { registerForwardRoutes } from '../http/routes/forward-routes.js'
import { registerReactionRoutes } from '../http/routes/reaction-routes.js'
import { registerStickerRoutes } from '../http/routes/sticker-routes.js'
import { registerUserRoutes } from '../http/routes/user-routes.js'
import { registerWorldAdminRoutes } from '../http/routes/world-admin-routes.js'
import { ConversationSchema, MessageSchema } from '../http/schemas/message-schemas.js'
import type { RateLimiter } from '../domain/security/rate-limiter.js'
import { jimVersion } from '../ops/jim-version.js'
import type { Clock } from '../shared/clock.js'
import type { Metrics } from '../shared/metrics.js'
import { schemaVersions, type SqlDatabase } from '../store/sql/database.js'
import type { Messaging } from './messaging.js'
import type { Security } from './security.js'

export interface HttpDeps {
  store: Store
  database: SqlDatabase
  broker: Broker
  limiter: RateLimiter
  metrics: Metrics
  clock: Clock
  security: Security
  messaging: Messaging
  users: UserService
  friends: FriendService
  groups: GroupService
  groupMembers: GroupMemberService
  files: FileService
}

/** The REST API: the auth hook first, then per-user rate limits (they need the user), then every route. */
export async function registerHttp(http: FastifyInstance, config: Config, deps: HttpDeps): Promise<void> {
  const { store, broker, metrics, clock, files, users, friends } = deps
  const { auth, accounts, admin, captcha } = deps.security
  const { world, conversations, signals, messages, edits, reactions, pins, hides, forwards, stickers, calls, search } = deps.messaging
  registerAuthHook(http, auth)
  if (config.rateLimit.enabled) registerRateLimitHook(http, { limiter: deps.limiter, limits: sensitiveRouteLimits(config.rateLimit) })
  const schema = schemaVersions(deps.database)
  registerHealthRoutes(http, {
    store,
    broker,
    metrics,
    metricsToken: config.metrics.token,
    build: { version: jimVersion(), schemaVersion: schema.code, databaseSchemaVersion: schema.database },
  })
  registerAuthRoutes(http, { auth, accounts })
  registerMeRoutes(http, { auth, users, files })
  registerCaptchaRoutes(http, { captcha })
  registerAccountRoutes(http, { accounts })
  registerAdminRoutes(http, { admin })
  registerWorldAdminRoutes(http, { world, admin, store, clock })
  registerUserRoutes(http, { users, searchExclusions: (userId) => friends.searchExclusions(userId) })
  registerFriendRoutes(http, { friends })
  registerGroupRoutes(http, { groups: deps.groups, members: deps.groupMembers, admin, files })
  http.addSchema(MessageSchema)
  http.addSchema(ConversationSchema)
  registerConversationRoutes(http, { conversations, signals })
  registerMessageRoutes(http, { messages, edits, signals })
  registerReactionRoutes(http, { reactions })
  registerPinRoutes(http, { pins })
  registerForwardRoutes(http, { forwards, hides })
  registerCallRoutes(http, { calls, ice: config.calls, clock })
  registerSearchRoutes(http, { search })
  await registerFileRoutes(http, {
    files,
    limits: { minBytesPerSecond: config.files.uploadMinBytesPerSecond, windowSeconds: config.files.uploadRateWindowSeconds },
  })
  registerStickerRoutes(http, { stickers })
  registerConfigRoutes(http, { limits: clientLimits(config) })
}
