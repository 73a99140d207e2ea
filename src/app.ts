import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config/config.js'
import { withResolvedSecret } from './config/secret.js'
import type { Broker } from './domain/broker.js'
import { DomainEvents } from './domain/domain-events.js'
import { subscribeDomainReactions } from './domain/domain-reactions.js'
import type { AccountService } from './domain/security/account-service.js'
import type { AdminService } from './domain/admin/admin-service.js'
import type { CaptchaService } from './domain/security/captcha-service.js'
import { MemberRangesCache } from './domain/conversations/member-ranges-cache.js'
import { FileService } from './domain/files/file-service.js'
import { FriendService } from './domain/friends/friend-service.js'
import { GroupMemberService } from './domain/groups/group-member-service.js'
import { GroupService } from './domain/groups/group-service.js'
import { PresenceService } from './domain/users/presence-service.js'
import { ProfileNotifier } from './domain/users/profile-notifier.js'
import { UserService } from './domain/users/user-service.js'
import type { Store } from './domain/store.js'
import { DiskUploadSpool } from './adapters/files/disk-upload-spool.js'
import { stripIsoBmffMetadata } from './adapters/media/iso-bmff-metadata.js'
import { stripMatroskaMetadata } from './adapters/media/matroska-metadata.js'
import { processImage } from './adapters/media/sharp-image-processor.js'
import { createHttpServer } from './http/server.js'
import type { WsGateway } from './gateway/ws-gateway.js'
import { systemClock, type Clock } from './shared/clock.js'
import { createLogger, type Logger } from './shared/logger.js'
import { createMetrics } from './shared/metrics.js'
import { openDatabase } from './store/sql/database.js'
import { createSqlStore } from './store/sql/sql-store.js'
import { startSearchIndexing, type SearchIndexing } from './store/sql/sqlite-search-indexer.js'
import { registerHttp } from './composition/http-routes.js'
import { createMessaging } from './composition/messaging.js'
import { createRealtime } from './composition/realtime.js'
import { createSecurity } from './composition/security.js'
import { createSharedState, type SharedState } from './composition/shared-state.js'
import { createFileStore, migrateOnStart } from './composition/storage.js'
import { createNotifications, type Notifications } from './composition/notifications.js'
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
  /** Web Push and the e-mail digest; tests wait with `notifications.notifier.idle()` and run `notifications.digest.runOnce()` */
  readonly notifications: Notifications
  /** SQLite's search index, filled off the send path; tests index on demand with `searchIndexing.catchUp()` */
  readonly searchIndexing: SearchIndexing
  /** Stops accepting, closes sockets with 1001, then the broker and the database. */
  close(): Promise<void>
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../dist/web', import.meta.url))
/** how often unreferenced uploads are looked for (they are deleted `files.unreferencedTtlHours` after upload) */
const FILE_SWEEP_INTERVAL_MS = 3600_000

/**
 * The composition root: builds store, broker, presence, services and transports from config and
 * wires them (the groups are built in src/composition/). Never listens; `main` does. The only
 * place that switches on driver names.
 */
export async function buildApp(loadedConfig: Config, options: AppOptions = {}): Promise<App> {
  // JIM_SECRET, or the one generated into the data dir: resolved once, so every signer agrees
  const config = withResolvedSecret(loadedConfig)
  const logger = options.logger ?? createLogger(config.log.level)
  const clock = options.clock ?? systemClock
  const metrics = createMetrics()

  // serving connections: every statement and connection wait is bounded (a hung database means 503, not a hang)
  const database = openDatabase(config)
  const store = createSqlStore(database)
  // who is in which conversation: authorizes pushes, and routes events to the instances holding a recipient
  const memberRanges = new MemberRangesCache(store)
  // broker, presence, rate limits and captchas: in memory (one process) or shared through Redis (a cluster)
  let shared: SharedState
  try {
    await migrateOnStart(config, database)
    shared = await createSharedState(config, { logger, clock, metrics, members: memberRanges })
  } catch (err) {
    // a failed start leaves nothing open behind it (the CLI then exits with the message)
    metrics.close()
    await database.db.destroy().catch(() => {})
    throw err
  }
  const { broker, presence, limiter } = shared
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
  const searchIndexing = startSearchIndexing(database, config.messages.searchIndexIntervalMs)

  // what one capability announces (after its commit) and others react to: see subscribeDomainReactions
  const events = new DomainEvents(logger)
  const security = createSecurity(config, { store, broker, events, shared, clock, logger })
  const { auth } = security
  // Web Push and the e-mail digest, for people who are not looking
  const notifications = await createNotifications({
    config,
    database,
    broker,
    events,
    presence,
    limiter,
    mailer: security.mailer,
    clock,
    logger,
  })
  const push = notifications.pushEnabled ? notifications.notifier : undefined
  const users = new UserService({ store, broker, events, clock, logger })
  const presenceService = new PresenceService({ presence, broker, store, logger })
  const friends = new FriendService({ store, broker, events, presence: presenceService, clock, logger })
  const groups = new GroupService({ store, broker, clock, logger, maxMembers: config.groups.maxMembers })
  const groupMembers = new GroupMemberService({ store, broker, clock, logger })
  const messaging = createMessaging(config, { store, broker, limiter, files, clock, logger, metrics, push })
  const profiles = new ProfileNotifier({ store, broker, presence, logger })
  subscribeDomainReactions(events, {
    presence: presenceService,
    groups,
    messages: messaging.messages,
    conversations: messaging.conversations,
    profiles,
  })

  const http = await createHttpServer({ config, logger, metrics, webRoot: options.webRoot ?? DEFAULT_WEB_ROOT })
  messaging.calls.startSweeps()
  const gateway = createRealtime(config, { store, auth, presence: presenceService, memberRanges, messaging, limiter, logger, metrics })
  broker.onEvent((event) => {
    metrics.brokerEvents.inc({ direction: 'in' })
    auth.cache.apply(event)
    if (event.kind === 'sessions.revoked') push?.sessionsRevoked(event.userId, event.sessionIds)
    if (event.kind === 'push.subscribed') push?.subscribed(event.userId)
    messaging.sendFacts.apply(event)
    gateway.handleClusterEvent(event)
  })
  // sockets that missed events meanwhile (our subscription, or Redis lost this instance's sockets) catch up; the
  // notifier asks the store again whether anybody subscribed to push
  broker.onResubscribed(() => {
    gateway.requestSync()
    push?.forgetSubscriptionFacts()
  })
  presence.onReasserted(() => gateway.requestSync())
  // a dead instance's users went offline (or ours came back after Redis lost them): tell their friends
  presence.onChanged(async (userIds) => {
    for (const userId of userIds) await presenceService.publish(userId)
  })

  await registerHttp(http, config, {
    store,
    database,
    broker,
    limiter,
    metrics,
    clock,
    security,
    messaging,
    users,
    friends,
    groups,
    groupMembers,
    files,
  })
  registerNotificationRoutes(http, { notifications: notifications.service, digest: notifications.digest })
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
    security: { captcha: security.captcha, accounts: security.accounts, admin: security.admin },
    files,
    notifications,
    searchIndexing,
    close: () =>
      (closed ??= (async () => {
        stopFileSweeper()
        await http.close()
        // the drained sockets' calls end (and say so) before the store closes
        await messaging.calls.settle()
        messaging.calls.close()
        messaging.signals.close()
        await notifications.close()
        profiles.close()
        metrics.close()
        await security.mailer.close()
        // presence first: the drained sockets' "offline" still goes out through the broker
        await presenceService.settle()
        await presence.close()
        await broker.close()
        await shared.close()
        await searchIndexing.stop()
        await store.close()
      })()),
  }
}
