/** The validated, frozen configuration passed down from `main`. Shape mirrors `CONFIG_KEYS`. */
export interface Config {
  host: string
  port: number
  publicUrl: string
  trustProxy: string
  secret: string
  dataDir: string
  storage: { driver: 'sqlite' | 'mysql' | 'postgres'; url: string; poolSize: number }
  files: { driver: 'local' | 'sql' }
  broker: { driver: 'memory' | 'redis' }
  redis: { url: string; prefix: string }
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' }
  rateLimit: { enabled: boolean }
  captcha: { mode: 'auto' | 'always' | 'off' }
  metrics: { token: string }
  http: { bodyLimitBytes: number }
  auth: {
    sessionTtlHours: number
    passwordMinLength: number
    passwordMinScore: number
    hashProfile: 'owasp' | 'test'
  }
  registration: { open: boolean }
  ws: {
    maxSocketsPerUser: number
    maxFrameBytes: number
    queueMaxFrames: number
    heartbeatSeconds: number
    authTimeoutMs: number
    maxPendingPerIp: number
    sessionRecheckSeconds: number
  }
  groups: { maxMembers: number }
  messages: {
    maxTextLength: number
    sendPerMinute: number
    editWindowSeconds: number
    recallWindowSeconds: number
    resumeMaxMessages: number
  }
  world: { sendPerMinute: number; globalSendPerSecond: number }
}
