/** The validated, frozen configuration passed down from `main`. Shape mirrors `CONFIG_KEYS`. */
export interface Config {
  host: string
  port: number
  publicUrl: string
  trustProxy: string
  secret: string
  dataDir: string
  storage: {
    driver: 'sqlite' | 'mysql' | 'postgres'
    url: string
    poolSize: number
    /** opening a connection or waiting for a pooled one (mysql/postgres) */
    connectTimeoutMs: number
    /** one statement while serving (SQLite: the busy timeout) */
    queryTimeoutMs: number
  }
  files: {
    driver: 'local' | 'sql'
    /** the local files dir is shared by every instance (allows `local` files in a cluster) */
    sharedDir: boolean
    maxImageBytes: number
    maxFileBytes: number
    maxVoiceBytes: number
    maxVideoBytes: number
    maxImagePixels: number
    thumbnailSize: number
    urlTtlSeconds: number
    unreferencedTtlHours: number
    /** '' = `<dataDir>/tmp` */
    tempDir: string
    /** 0 = no quota */
    quotaBytesPerUser: number
    maxConcurrentUploadsPerUser: number
    maxConcurrentUploads: number
    /** 0 = no minimum */
    uploadMinBytesPerSecond: number
    uploadRateWindowSeconds: number
  }
  broker: { driver: 'memory' | 'redis' }
  redis: { url: string; prefix: string; presenceTtlSeconds: number; startTimeoutSeconds: number }
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' }
  rateLimit: {
    enabled: boolean
    loginFailuresPerIp: number
    registerPerHour: number
    captchaPerMinute: number
    searchPerMinute: number
    emailPerHour: number
    passwordResetPerHour: number
    uploadsPerMinute: number
    friendRequestsPerHour: number
    groupsPerHour: number
    invitationsPerHour: number
    wsConnectsPerMinute: number
    wsConnectsPerMinutePerIp: number
  }
  captcha: { mode: 'auto' | 'always' | 'off'; afterFailures: number; ttlSeconds: number; maxPending: number }
  metrics: { token: string }
  http: { bodyLimitBytes: number; corsOrigins: string[]; requestTimeoutMs: number; headersTimeoutMs: number }
  auth: {
    sessionTtlHours: number
    passwordMinLength: number
    passwordMinScore: number
    hashProfile: 'owasp' | 'test'
    hashConcurrency: number
    hashQueueMax: number
  }
  /** opensAt/closesAt: ISO-8601 times, '' when not set */
  registration: { open: boolean; opensAt: string; closesAt: string }
  email: { codeTtlMinutes: number; codeMaxAttempts: number; digestDelayMinutes: number; digestIntervalMinutes: number }
  push: {
    enabled: boolean
    vapidPublicKey: string
    vapidPrivateKey: string
    subject: string
    unreadDelaySeconds: number
    perUserPerMinute: number
    ttlSeconds: number
    maxSubscriptionsPerUser: number
    allowInsecureEndpoints: boolean
  }
  smtp: { host: string; port: number; secure: boolean; user: string; password: string; from: string }
  ws: {
    maxSocketsPerUser: number
    maxFrameBytes: number
    queueMaxFrames: number
    heartbeatSeconds: number
    authTimeoutMs: number
    maxPendingPerIp: number
    sessionRecheckSeconds: number
    resumePerSecond: number
    resumeBurst: number
    framesPerSecond: number
    refusalsBeforeClose: number
  }
  calls: {
    stunUrls: string[]
    turnUrls: string[]
    turnSecret: string
    turnTtlSeconds: number
    ringSeconds: number
    maxParticipants: number
    liveCheckSeconds: number
    signalsPerSecond: number
  }
  groups: { maxMembers: number }
  messages: {
    maxTextLength: number
    sendPerMinute: number
    editPerMinute: number
    editWindowSeconds: number
    recallWindowSeconds: number
    resumeMaxMessages: number
    maxReactionEmojis: number
    maxReactionsPerUser: number
    reactPerMinute: number
    maxPinned: number
    pinPerMinute: number
    hidePerMinute: number
    forwardPerMinute: number
    maxForwardMessages: number
    maxForwardTargets: number
    searchPerMinute: number
    searchIndexIntervalMs: number
  }
  world: { sendPerMinute: number; globalSendPerSecond: number }
}
