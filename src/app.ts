import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config/config.js'
import { withResolvedSecret } from './config/secret.js'
import type { Broker } from './domain/broker.js'
import { MemoryBroker } from './broker/memory-broker.js'
import { RedisBroker } from './broker/redis-broker.js'
import { createInstanceRouter } from './broker/instance-router.js'
import { FallbackRateLimiter } from './adapters/fallback-rate-limiter.js'
import { RedisCaptchaStore } from './adapters/redis/redis-captcha-store.js'
import { RedisRateLimiter } from './adapters/redis/redis-rate-limiter.js'
import { RedisPresence } from './presence/redis-presence.js'
import { closeRedisClient, createRedisClient } from './shared/redis-client.js'
import { parseRedisUrl } from './config/redis-url.js'
import { oneLine, withoutPassword } from './shared/operator-text.js'
import { isConnectionError } from './shared/connection-errors.js'
import { newId } from './shared/ids.js'
import { AuthService } from './domain/auth/auth-service.js'
import { createPasswordHasher } from './domain/auth/password-hasher.js'
import { BoundedHasher } from './domain/auth/bounded-hasher.js'
import { FriendService } from './domain/friends/friend-service.js'
import { GroupMemberService } from './domain/groups/group-member-service.js'
import { GroupService } from './domain/groups/group-service.js'
import { PresenceService } from './domain/users/presence-service.js'
import { UserService } from './domain/users/user-service.js'
import { WsGateway } from './gateway/ws-gateway.js'
import { ConversationService } from './domain/conversations/conversation-service.js'
import { SignalService } from './domain/conversations/signal-service.js'
import { MessageEditService } from './domain/messages/message-edit-service.js'
import { AppError } from './domain/errors.js'
import { DomainEvents } from './domain/domain-events.js'
import { subscribeDomainReactions } from './domain/domain-reactions.js'
import { ProfileNotifier } from './domain/users/profile-notifier.js'
import { WorldSettings } from './domain/conversations/world-settings.js'
import { MessageService } from './domain/messages/message-service.js'
import { ResumeService } from './domain/messages/resume-service.js'
import { createActionLimiter, createSendLimiter } from './domain/messages/send-limiter.js'
import { ReactionService } from './domain/messages/reaction-service.js'
import { PinService } from './domain/messages/pin-service.js'
import type { MessageActionDeps } from './domain/messages/visible-message.js'
import { SendFactsCache } from './domain/conversations/send-facts-cache.js'
import { AdminService } from './domain/admin/admin-service.js'
import { FileService } from './domain/files/file-service.js'
import { DiskUploadSpool } from './adapters/files/disk-upload-spool.js'
import { processImage } from './adapters/media/sharp-image-processor.js'
import { stripIsoBmffMetadata } from './adapters/media/iso-bmff-metadata.js'
import { stripMatroskaMetadata } from './adapters/media/matroska-metadata.js'
import { createMediaHook } from './domain/files/media-content.js'
import { AccountService } from './domain/security/account-service.js'
import type { CaptchaStore } from './domain/security/captcha-store.js'
import { CaptchaService } from './domain/security/captcha-service.js'
import { EmailCodeService } from './domain/security/email-code-service.js'
import { LogMailer } from './adapters/mail/log-mailer.js'
import { LoginGuard } from './domain/security/login-guard.js'
import { MemoryCaptchaStore } from './adapters/memory/memory-captcha-store.js'
import type { RateLimiter } from './domain/security/rate-limiter.js'
import { RegistrationPolicy } from './domain/security/registration-policy.js'
import { SmtpMailer } from './adapters/mail/smtp-mailer.js'
import { registerRateLimitHook } from './http/rate-limit-hook.js'
import { sensitiveRouteLimits } from './http/route-limits.js'
import { registerAccountRoutes } from './http/routes/account-routes.js'
import { registerAdminRoutes } from './http/routes/admin-routes.js'
import { registerWorldAdminRoutes } from './http/routes/world-admin-routes.js'
import { registerCaptchaRoutes } from './http/routes/captcha-routes.js'
import { MemoryRateLimiter } from './adapters/memory/memory-rate-limiter.js'
import { ConversationFanout } from './gateway/conversation-fanout.js'
import { MemberRangesCache } from './domain/conversations/member-ranges-cache.js'
import { createResumeHandler } from './gateway/resume-handler.js'
import { createMessageSendHandler } from './gateway/message-send-handler.js'
import { registerConversationRoutes } from './http/routes/conversation-routes.js'
import { registerMessageRoutes } from './http/routes/message-routes.js'
import { registerReactionRoutes } from './http/routes/reaction-routes.js'
import { registerPinRoutes } from './http/routes/pin-routes.js'
import { registerCallRoutes } from './http/routes/call-routes.js'
import { registerCallHandlers } from './gateway/call-handlers.js'
import { CallService } from './domain/calls/call-service.js'
import { registerSearchRoutes } from './http/routes/search-routes.js'
import { SearchService } from './domain/search/search-service.js'
import { registerAuthHook } from './http/auth-hook.js'
import { ConversationSchema, MessageSchema } from './http/schemas/message-schemas.js'
import { registerAuthRoutes } from './http/routes/auth-routes.js'
import { registerFileRoutes } from './http/routes/file-routes.js'
import { registerFriendRoutes } from './http/routes/friend-routes.js'
import { registerGroupRoutes } from './http/routes/group-routes.js'
import { registerHealthRoutes } from './http/routes/health-routes.js'
import { registerMeRoutes } from './http/routes/me-routes.js'
import { registerStickerRoutes } from './http/routes/sticker-routes.js'
import { bundledStickerSet } from './adapters/stickers/bundled-sticker-set.js'
import { registerConfigRoutes } from './http/routes/config-routes.js'
import { clientLimits } from './config/client-limits.js'
import { registerUserRoutes } from './http/routes/user-routes.js'
import { createHttpServer } from './http/server.js'
import { MemoryPresence } from './presence/memory-presence.js'
import type { Presence } from './domain/users/presence.js'
import { systemClock, type Clock } from './shared/clock.js'
import { createLogger, type Logger } from './shared/logger.js'
import { createMetrics, type Metrics } from './shared/metrics.js'
import { ensureDatabaseExists, migrateToLatest, openDatabase, schemaVersions, unbounded } from './store/sql/database.js'
import { jimVersion } from './ops/jim-version.js'
import type { FileStore } from './domain/files/file-store.js'
import { LocalFileStore } from './store/local/local-file-store.js'
import { SqlFileStore } from './store/sql/sql-file-store.js'
import { createSqlStore } from './store/sql/sql-store.js'
import type { SqlDatabase } from './store/sql/database.js'
import type { Store } from './domain/store.js'
import { createNotifications, type Notifications } from './notification-wiring.js'
import { registerNotificationRoutes } from './http/routes/notification-routes.js'

export interface AppOptions {
  logger?: Logger
  clock?: Clock
  /** where the built web client lives (default: dist/web next to the sources) */
  webRoot?: string
}

export interface App {
  readonly http: FastifyInstance
  readonly config: Config
  readonly store: Store
  readonly broker: Broker
  readonly gateway: WsGateway
  readonly logger: Logger
  /** in-process domain events; tests subscribe to see what a capability announced */
  readonly events: DomainEvents
  /** account security; tests draw known captcha answers through `captcha.useGenerator` */
  readonly security: { readonly captcha: CaptchaService; readonly accounts: AccountService; readonly admin: AdminService }
  /** uploads and media; tests run the unreferenced-upload sweeper with `files.sweepUnreferenced()` */
  readonly files: FileService
  /** Web Push and the e-mail digest; tests run a digest pass with `notifications.digest.runOnce()` */
  readonly notifications: Notifications
  /** Stops accepting, closes sockets with 1001, then the broker and the database. */
  close(): Promise<void>
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../dist/web', import.meta.url))
/** how long startup waits for Redis before giving up (generous: a loaded host may starve the first connect for seconds) */
const REDIS_START_TIMEOUT_MS = 20_000
/** how often unreferenced uploads are looked for (they are deleted `files.unreferencedTtlHours` after upload) */
const FILE_SWEEP_INTERVAL_MS = 3600_000

/**
 * The composition root: builds store, broker, presence, services and transports from config.
 * Never listens; `main` does. The only place that switches on driver names.
 */
export async function buildApp(loadedConfig: Config, options: AppOptions = {}): Promise<App> {
  // JIM_SECRET, or the one generated into the data dir: resolved once, so every signer agrees
  const config = withResolvedSecret(loadedConfig)
  const logger = options.logger ?? createLogger(config.log.level)
  const clock = options.clock ?? systemClock
  const metrics = createMetrics()

  // serving connections: every statement and connection wait is bounded (a hung database means 503, not a hang)
  const database = openDatabase(config)
  // broker, presence, rate limits and captchas: in memory (one process) or shared through Redis (a cluster)
  let shared: SharedState
  try {
    await migrateOnStart(config, database)
    shared = await createSharedState(config, { logger, clock, metrics })
  } catch (err) {
    // a failed start leaves nothing open behind it (the CLI then exits with the message)
    metrics.close()
    await database.db.destroy().catch(() => {})
    throw err
  }
  const { broker, presence } = shared
  const store = createSqlStore(database)
  // uploads: bytes in the configured FileStore, metadata and refs in the database
  const files = new FileService({
    records: store.files,
    bytes: createFileStore(config, database),
    spool: new DiskUploadSpool(config.files.tempDir || join(config.dataDir, 'tmp')),
    media: { processImage, stripIsoBmffMetadata, stripMatroskaMetadata },
    clock,
    logger,
    secret: config.secret,
    limits: config.files,
  })
  const stopFileSweeper = files.startSweeper(FILE_SWEEP_INTERVAL_MS)

  // account security: captchas, failed-login throttling, the registration window
  const captcha = new CaptchaService({
    store: shared.captchas,
    secret: config.secret,
    clock,
    ttlMs: config.captcha.ttlSeconds * 1000,
  })
  const registration = new RegistrationPolicy({ settings: store.settings, clock, config: config.registration })
  const guard = new LoginGuard({
    limiter: shared.limiter,
    captcha,
    registration,
    logger,
    mode: config.captcha.mode,
    limitsEnabled: config.rateLimit.enabled,
    captchaAfter: config.captcha.afterFailures,
    failuresPerIp: config.rateLimit.loginFailuresPerIp,
  })
  // what one capability announces (after its commit) and others react to: see subscribeDomainReactions
  const events = new DomainEvents(logger)
  const auth = new AuthService({
    store,
    broker,
    events,
    hasher: new BoundedHasher(createPasswordHasher(config.auth.hashProfile), {
      concurrency: config.auth.hashConcurrency,
      maxQueued: config.auth.hashQueueMax,
    }),
    clock,
    logger,
    sessionTtlMs: config.auth.sessionTtlHours * 3600_000,
    passwordMinLength: config.auth.passwordMinLength,
    passwordMinScore: config.auth.passwordMinScore,
    registrationOpenByDefault: config.registration.open,
    guard,
  })
  // e-mail codes, password reset, account deletion, administration
  const mailer = config.smtp.host ? new SmtpMailer(config.smtp) : new LogMailer(logger)
  const emailCodes = new EmailCodeService({
    codes: store.emailCodes,
    mailer,
    limiter: shared.limiter,
    limitsEnabled: config.rateLimit.enabled,
    secret: config.secret,
    clock,
    logger,
    ttlMs: config.email.codeTtlMinutes * 60_000,
    maxAttempts: config.email.codeMaxAttempts,
    sendsPerHour: config.rateLimit.emailPerHour,
    publicUrl: config.publicUrl,
  })
  // Web Push and the e-mail digest for people who are not looking
  const notifications = await createNotifications({ config, database, events, presence, limiter: shared.limiter, mailer, clock, logger })
  const push = notifications.pushEnabled ? notifications.notifier : null
  const accounts = new AccountService({ store, broker, events, auth, emailCodes, clock, logger })
  const admin = new AdminService({ store, broker, auth, accounts, registration, clock, logger })
  const users = new UserService({ store, broker, events, clock, logger })
  const presenceService = new PresenceService({ presence, broker, store, logger })
  const friends = new FriendService({ store, broker, events, presence: presenceService, clock, logger })
  const groups = new GroupService({ store, broker, clock, logger, maxMembers: config.groups.maxMembers })
  const groupMembers = new GroupMemberService({ store, broker, clock, logger })
  const http = await createHttpServer({ config, logger, metrics, webRoot: options.webRoot ?? DEFAULT_WEB_ROOT })
  const gateway = new WsGateway({ config, auth, presence: presenceService, logger, metrics: metrics.gateway, limiter: shared.limiter })

  // messaging: one send path (store, then publish); conversation pushes authorized per recipient
  const world = new WorldSettings(store)
  const stickers = bundledStickerSet()
  const conversations = new ConversationService({ store, broker, clock, logger })
  // authorization facts of sends, edits and recalls, cached per conversation and user
  const sendFacts = new SendFactsCache({ store, conversations, world })
  const messages = new MessageService({
    store,
    broker,
    clock,
    logger,
    conversations,
    facts: sendFacts,
    limits: { maxTextLength: config.messages.maxTextLength, stickers },
    limiter: createSendLimiter(shared.limiter, {
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
  const signals = new SignalService({
    store,
    broker,
    clock,
    conversations,
    onReadMoved: push ? (userId, conversationId, readSeq) => push.readMoved(userId, conversationId, readSeq) : undefined,
  })
  // edits, recalls, reactions and pins: the same rules and collaborators, each with its own rate limit
  const messageAction = (perMinute: number, action: Parameters<typeof createActionLimiter>[2], tooFast: string): MessageActionDeps => ({
    store,
    broker,
    clock,
    logger,
    conversations,
    facts: sendFacts,
    limiter: createActionLimiter(shared.limiter, { enabled: config.rateLimit.enabled, perMinute }, action, tooFast),
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
  const calls = new CallService({ store, broker, clock, logger, conversations, settings: config.calls })
  registerCallHandlers(gateway, calls)
  calls.startSweeps()
  const search = new SearchService({
    store,
    conversations,
    logger,
    limiter: createActionLimiter(
      shared.limiter,
      { enabled: config.rateLimit.enabled, perMinute: config.messages.searchPerMinute },
      'search',
      'You are searching too fast; wait a moment.',
    ),
  })
  gateway.onFrame('typing', async (conn, frame) => {
    if (typeof frame.conversationId !== 'string') throw new AppError('request.invalid', 'typing needs a conversationId.')
    await signals.typing(conn.userId, conn.sessionId, frame.conversationId)
  })
  const memberRanges = new MemberRangesCache(store)
  const fanout = new ConversationFanout({
    hub: gateway.hub,
    store,
    members: memberRanges,
    logger,
    onPushed: (n) => metrics.wsFramesPushed.inc(n),
  })
  // events go only to instances holding a recipient; sockets this instance had to re-register were missed meanwhile
  shared.enableRouting(memberRanges, () => gateway.requestSync())
  gateway.setConversationRouter(fanout)
  const profiles = new ProfileNotifier({ store, broker, presence, logger })
  subscribeDomainReactions(events, { presence: presenceService, groups, messages, conversations, profiles })
  gateway.onFrame('message.send', createMessageSendHandler(messages))
  gateway.onFrame(
    'resume',
    createResumeHandler(
      new ResumeService({ store, conversations, maxMessages: config.messages.resumeMaxMessages }),
      fanout,
      config.ws.queueMaxFrames,
    ),
  )

  broker.onEvent((event) => {
    metrics.brokerEvents.inc({ direction: 'in' })
    auth.cache.apply(event)
    if (event.kind === 'sessions.revoked') push?.sessionsRevoked(event.userId, event.sessionIds)
    sendFacts.apply(event)
    gateway.handleClusterEvent(event)
  })
  broker.onResubscribed(() => gateway.requestSync())
  // a dead instance's users went offline (or ours came back after Redis lost them): tell their friends
  presence.onChanged(async (userIds) => {
    for (const userId of userIds) await presenceService.publish(userId)
  })

  registerAuthHook(http, auth)
  // after the auth hook, so per-user limits see the user
  if (config.rateLimit.enabled) registerRateLimitHook(http, { limiter: shared.limiter, limits: sensitiveRouteLimits(config.rateLimit) })
  const schema = schemaVersions(database)
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
  registerGroupRoutes(http, { groups, members: groupMembers, admin, files })
  http.addSchema(MessageSchema)
  http.addSchema(ConversationSchema)
  registerConversationRoutes(http, { conversations, signals })
  registerMessageRoutes(http, { messages, edits, signals })
  registerReactionRoutes(http, { reactions })
  registerPinRoutes(http, { pins })
  registerCallRoutes(http, { calls, ice: config.calls, clock })
  registerSearchRoutes(http, { search })
  registerNotificationRoutes(http, { notifications: notifications.service, digest: notifications.digest })
  await registerFileRoutes(http, {
    files,
    limits: { minBytesPerSecond: config.files.uploadMinBytesPerSecond, windowSeconds: config.files.uploadRateWindowSeconds },
  })
  registerStickerRoutes(http, { stickers })
  registerConfigRoutes(http, { limits: clientLimits(config) })
  gateway.register(http)
  http.addHook('preClose', async () => {
    await gateway.drain()
  })
  await http.ready()

  let closed: Promise<void> | null = null
  return {
    http,
    config,
    store,
    broker,
    gateway,
    logger,
    events,
    security: { captcha, accounts, admin },
    files,
    notifications,
    close: () =>
      (closed ??= (async () => {
        stopFileSweeper()
        await http.close()
        // the drained sockets' calls end (and say so) before the store closes
        await calls.settle()
        calls.close()
        signals.close()
        await notifications.close()
        profiles.close()
        metrics.close()
        await mailer.close()
        // presence first: the drained sockets' "offline" still goes out through the broker
        await presenceService.settle()
        await presence.close()
        await broker.close()
        await shared.close()
        await store.close()
      })()),
  }
}

interface SharedState {
  broker: Broker
  presence: Presence
  /** rate limits and failed-login counters (one limiter, keys are namespaced) */
  limiter: RateLimiter
  /** pending captcha challenges */
  captchas: CaptchaStore
  /**
   * Routes each event only to the instances holding one of its recipients (Redis), and runs
   * `onReasserted` when this instance re-registered its sockets (they were not routed to meanwhile).
   * One process: nothing to route.
   */
  enableRouting(members: MemberRangesCache, onReasserted: () => void): void
  /** closes what the broker and presence do not own (the shared Redis command connection) */
  close(): Promise<void>
}

/**
 * State instances must share in a cluster. `memory`: this process only. `redis`: fan-out,
 * presence, rate limits and captchas through one Redis (a command connection shared by all, plus
 * the broker's subscriber); limits and captchas fall back to this instance while Redis is down.
 */
async function createSharedState(config: Config, deps: { logger: Logger; clock: Clock; metrics: Metrics }): Promise<SharedState> {
  const { logger, clock } = deps
  const local = { limiter: new MemoryRateLimiter(clock), captchas: new MemoryCaptchaStore(clock, config.captcha.maxPending) }
  switch (config.broker.driver) {
    case 'memory':
      return { broker: new MemoryBroker(), presence: new MemoryPresence(), ...local, enableRouting: () => {}, close: async () => {} }
    case 'redis': {
      const target = parseRedisUrl(config.redis.url)
      const { prefix } = config.redis
      const instanceId = newId()
      const client = createRedisClient(target, { name: `jim-${instanceId}-cmd`, logger })
      const broker = new RedisBroker({
        publisher: client,
        subscriber: createRedisClient(target, { name: `jim-${instanceId}-sub`, logger }),
        prefix,
        logger,
        instanceId,
        metrics: deps.metrics.broker,
        sharded: target.kind === 'cluster',
      })
      // start subscribed, or not at all: a Redis that cannot be reached at start is a setting to fix
      // (an outage later is survived: the broker runs degraded and recovers by itself)
      if (!(await broker.ready(REDIS_START_TIMEOUT_MS))) {
        await broker.close()
        await closeRedisClient(client)
        throw new Error(
          `JIM_REDIS_URL: Redis at ${withoutPassword(config.redis.url)} did not answer within ${REDIS_START_TIMEOUT_MS / 1000} s; start it or fix the URL`,
        )
      }
      const presence = new RedisPresence({ client, prefix, instanceId, logger, ttlMs: config.redis.presenceTtlSeconds * 1000 })
      return {
        broker,
        presence,
        enableRouting: (members, onReasserted) => {
          broker.setRouter(createInstanceRouter({ members, instancesOf: (userIds) => presence.instancesOf(userIds) }))
          presence.onReasserted(onReasserted)
        },
        limiter: new FallbackRateLimiter(new RedisRateLimiter({ client, prefix, clock }), local.limiter, logger),
        captchas: new RedisCaptchaStore({ client, prefix, fallback: local.captchas, logger, clock, capacity: config.captcha.maxPending }),
        close: () => closeRedisClient(client),
      }
    }
  }
}

/**
 * Creates the database if needed and applies pending migrations on connections of their own
 * without statement deadlines (a backfill may take longer than any request should).
 */
async function migrateOnStart(config: Config, serving: SqlDatabase): Promise<void> {
  try {
    await ensureDatabaseExists(config)
  } catch (err) {
    if (!isConnectionError(err)) throw err
    const { driver, url } = config.storage
    throw new Error(`JIM_STORAGE_URL: cannot reach the ${driver} database at ${withoutPassword(url)}: ${oneLine(err)}`, { cause: err })
  }
  // SQLite bounds lock waits only, not statements; and a `:memory:` database lives in its one connection
  if (serving.caps.dialect === 'sqlite') {
    await migrateToLatest(serving)
    return
  }
  const migrating = openDatabase(unbounded(config))
  try {
    await migrateToLatest(migrating)
  } finally {
    await migrating.db.destroy()
  }
}

/** Where upload bytes live: `local` under `<dataDir>/files`, or `sql` in the database (cluster-safe). */
function createFileStore(config: Config, database: SqlDatabase): FileStore {
  switch (config.files.driver) {
    case 'local':
      return new LocalFileStore(join(config.dataDir, 'files'))
    case 'sql':
      return new SqlFileStore(database.db)
  }
}
