/**
 * The one configuration schema. Every key has a default, a `config.yml` path, a `JIM_*`
 * environment name, a CLI flag and a line of documentation. The README table and
 * `config.example.yml` are checked against this list by a test, so they cannot drift.
 */

export type ValueKind =
  | { kind: 'string'; allowEmpty?: boolean }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'url'; protocols: readonly string[] }
  | { kind: 'list' }
  /** an ISO-8601 time with a zone (e.g. `2026-03-01T09:00:00Z`), or empty for "not set" */
  | { kind: 'isoTime' }

export interface KeySpec {
  /** dotted path in `config.yml`, e.g. `storage.driver` */
  path: string
  env: string
  flag: string
  type: ValueKind
  default: string | number | boolean | string[] | null
  doc: string
}

const int = (min: number, max: number): ValueKind => ({ kind: 'int', min, max })
const str: ValueKind = { kind: 'string' }
const bool: ValueKind = { kind: 'bool' }

function key(path: string, env: string, type: ValueKind, def: KeySpec['default'], doc: string): KeySpec {
  const flag = '--' + path.replace(/\./g, '-').replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
  return { path, env, flag, type, default: def, doc }
}

export const CONFIG_KEYS: readonly KeySpec[] = [
  key('host', 'JIM_HOST', str, '0.0.0.0', 'Address HTTP and WebSocket listen on.'),
  key('port', 'JIM_PORT', int(0, 65535), 8080, 'Port HTTP and WebSocket listen on (0 = any free port).'),
  key(
    'publicUrl',
    'JIM_PUBLIC_URL',
    { kind: 'url', protocols: ['http:', 'https:'] },
    'http://localhost:8080',
    'How users reach JIM: used in e-mails and as the allowed WebSocket/CORS origin.',
  ),
  key(
    'trustProxy',
    'JIM_TRUST_PROXY',
    str,
    'false',
    '`false`, `true`, or a comma-separated list of proxy IPs/CIDRs whose X-Forwarded-For is believed.',
  ),
  key(
    'secret',
    'JIM_SECRET',
    { kind: 'string', allowEmpty: true },
    '',
    'Signs captchas and short-lived file URLs. Empty: generated once into `<dataDir>/secret`. Must be equal on every instance.',
  ),
  key('dataDir', 'JIM_DATA_DIR', str, './data', 'Directory for the SQLite file, uploaded files and the generated secret.'),
  key(
    'storage.driver',
    'JIM_STORAGE_DRIVER',
    { kind: 'enum', values: ['sqlite', 'mysql', 'postgres'] },
    'sqlite',
    'System of record: `sqlite` (embedded), `mysql` (MySQL/MariaDB) or `postgres`.',
  ),
  key(
    'storage.url',
    'JIM_STORAGE_URL',
    { kind: 'string', allowEmpty: true },
    '',
    'Connection URL for mysql/postgres, e.g. `mysql://root@127.0.0.1:3306/jim`. For sqlite: optional file path (default `<dataDir>/jim.sqlite`).',
  ),
  key('storage.poolSize', 'JIM_STORAGE_POOL_SIZE', int(1, 200), 10, 'Connections per instance (mysql/postgres).'),
  key(
    'files.driver',
    'JIM_FILES_DRIVER',
    { kind: 'enum', values: ['local', 'sql'] },
    'local',
    'Where uploads live: `local` (under the data dir) or `sql` (in the database, cluster-safe).',
  ),
  key(
    'files.sharedDir',
    'JIM_FILES_SHARED_DIR',
    bool,
    false,
    'The local files dir is on storage shared by every instance (NFS or similar). Required to run `local` files with broker.driver redis.',
  ),
  key(
    'files.maxImageBytes',
    'JIM_FILES_MAX_IMAGE_BYTES',
    int(1024, 512 * 1024 * 1024),
    10 * 1024 * 1024,
    'Largest image upload (413 above).',
  ),
  key(
    'files.maxFileBytes',
    'JIM_FILES_MAX_FILE_BYTES',
    int(1024, 512 * 1024 * 1024),
    25 * 1024 * 1024,
    'Largest generic file upload (413 above).',
  ),
  key(
    'files.maxVoiceBytes',
    'JIM_FILES_MAX_VOICE_BYTES',
    int(1024, 512 * 1024 * 1024),
    5 * 1024 * 1024,
    'Largest voice clip upload (413 above).',
  ),
  key(
    'files.maxVideoBytes',
    'JIM_FILES_MAX_VIDEO_BYTES',
    int(1024, 512 * 1024 * 1024),
    50 * 1024 * 1024,
    'Largest video upload (413 above).',
  ),
  key(
    'files.maxImagePixels',
    'JIM_FILES_MAX_IMAGE_PIXELS',
    int(1, 1_000_000_000),
    40_000_000,
    'Most pixels (width x height x frames) an image may have; larger ones are refused from their header, before decoding (pixel floods).',
  ),
  key('files.thumbnailSize', 'JIM_FILES_THUMBNAIL_SIZE', int(32, 2048), 320, 'Longest side of image thumbnails, in pixels.'),
  key(
    'files.urlTtlSeconds',
    'JIM_FILES_URL_TTL_SECONDS',
    int(10, 3600),
    300,
    'How long a signed file URL (for <img>/<audio>) stays valid.',
  ),
  key(
    'files.unreferencedTtlHours',
    'JIM_FILES_UNREFERENCED_TTL_HOURS',
    int(1, 24 * 365),
    24,
    'Uploads no message, avatar or group avatar uses are deleted this long after upload.',
  ),
  key(
    'files.tempDir',
    'JIM_FILES_TEMP_DIR',
    { kind: 'string', allowEmpty: true },
    '',
    'Where uploads are written while they arrive and are checked (never held in memory). Empty: `<dataDir>/tmp`, on the same disk as local files so they are moved, not copied.',
  ),
  key(
    'files.quotaBytesPerUser',
    'JIM_FILES_QUOTA_BYTES_PER_USER',
    int(0, 2 ** 50),
    2 * 1024 * 1024 * 1024,
    'Bytes of uploads one user may keep stored (files in use plus unused uploads not yet collected); above it uploads get 422 file.quota_exceeded. 0: no quota.',
  ),
  key(
    'files.maxConcurrentUploadsPerUser',
    'JIM_FILES_MAX_CONCURRENT_UPLOADS_PER_USER',
    int(1, 1000),
    2,
    'Uploads one user may have in progress at once on one instance; one more gets 429.',
  ),
  key(
    'files.uploadMinBytesPerSecond',
    'JIM_FILES_UPLOAD_MIN_BYTES_PER_SECOND',
    int(0, 1024 * 1024 * 1024),
    2048,
    'An upload that sends fewer bytes than this per second, measured over files.uploadRateWindowSeconds, is cut with 408 (trickled uploads). 0: no minimum.',
  ),
  key(
    'files.uploadRateWindowSeconds',
    'JIM_FILES_UPLOAD_RATE_WINDOW_SECONDS',
    int(1, 3600),
    20,
    'The window over which files.uploadMinBytesPerSecond is measured.',
  ),
  key(
    'broker.driver',
    'JIM_BROKER_DRIVER',
    { kind: 'enum', values: ['memory', 'redis'] },
    'memory',
    '`memory` (one process) or `redis` (fan-out, presence, rate limits and caches shared through Redis).',
  ),
  key(
    'redis.url',
    'JIM_REDIS_URL',
    { kind: 'string', allowEmpty: true },
    '',
    'Redis URL when broker.driver is redis: `redis://[user:pass@]host:6379` for one Redis, or `redis-cluster://[user:pass@]host1:6379,host2:6379,…` (seed nodes; `rediss-cluster://` for TLS) for a Redis Cluster (Redis 7+).',
  ),
  key('redis.prefix', 'JIM_REDIS_PREFIX', str, 'jim:', 'Key and channel prefix, so several clusters can share one Redis.'),
  key(
    'redis.presenceTtlSeconds',
    'JIM_REDIS_PRESENCE_TTL_SECONDS',
    int(3, 300),
    15,
    "Lifetime of an instance's presence heartbeat; a dead instance's users show offline within 4/3 of it (20 s by default).",
  ),
  key(
    'log.level',
    'JIM_LOG_LEVEL',
    { kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    'info',
    'pino log level.',
  ),
  key('rateLimit.enabled', 'JIM_RATE_LIMIT_ENABLED', bool, true, '`false` switches every rate limit off (load tests and benchmarks only).'),
  key(
    'captcha.mode',
    'JIM_CAPTCHA_MODE',
    { kind: 'enum', values: ['auto', 'always', 'off'] },
    'auto',
    '`auto` (after repeated login failures), `always` (login and register), or `off`.',
  ),
  key(
    'metrics.token',
    'JIM_METRICS_TOKEN',
    { kind: 'string', allowEmpty: true },
    '',
    'Bearer token for GET /metrics. Empty: /metrics answers only to loopback clients.',
  ),
  key(
    'http.bodyLimitBytes',
    'JIM_HTTP_BODY_LIMIT_BYTES',
    int(1024, 64 * 1024 * 1024),
    256 * 1024,
    'Largest JSON request body accepted (413 above).',
  ),
  key(
    'http.requestTimeoutMs',
    'JIM_HTTP_REQUEST_TIMEOUT_MS',
    int(0, 24 * 3600_000),
    300_000,
    'Longest time a client may take to send a whole request, headers and body (uploads included); then 408 and the connection is closed. 0: no limit.',
  ),
  key(
    'http.headersTimeoutMs',
    'JIM_HTTP_HEADERS_TIMEOUT_MS',
    int(100, 3600_000),
    30_000,
    'Longest time a client may take to send the request headers (slow-header attacks); then 408 and the connection is closed.',
  ),
  key(
    'http.corsOrigins',
    'JIM_HTTP_CORS_ORIGINS',
    { kind: 'list' },
    [],
    'Other web origins allowed to call the API from browsers (comma-separated). Empty: same origin only (the bundled web client).',
  ),
  key('auth.sessionTtlHours', 'JIM_AUTH_SESSION_TTL_HOURS', int(1, 24 * 365), 24 * 30, 'How long a login token stays valid.'),
  key('auth.passwordMinLength', 'JIM_AUTH_PASSWORD_MIN_LENGTH', int(8, 64), 8, 'Shortest password accepted.'),
  key(
    'auth.passwordMinScore',
    'JIM_AUTH_PASSWORD_MIN_SCORE',
    int(0, 4),
    2,
    'Lowest zxcvbn strength score (0-4) accepted for a new password.',
  ),
  key(
    'auth.hashProfile',
    'JIM_AUTH_HASH_PROFILE',
    { kind: 'enum', values: ['owasp', 'test'] },
    'owasp',
    '`owasp` (Argon2id m=19 MiB, t=2, p=1). `test` is cheap and only allowed when NODE_ENV=test.',
  ),
  key(
    'auth.hashConcurrency',
    'JIM_AUTH_HASH_CONCURRENCY',
    int(1, 64),
    2,
    'Passwords hashed or checked at once (login, register, password changes); the rest wait in a queue.',
  ),
  key(
    'auth.hashQueueMax',
    'JIM_AUTH_HASH_QUEUE_MAX',
    int(0, 100_000),
    64,
    'Password checks that may wait for a hashing slot; beyond it they are refused at once with 503 `auth.busy` and Retry-After.',
  ),
  key('registration.open', 'JIM_REGISTRATION_OPEN', bool, true, 'Whether new accounts may register (admins can change it at run time).'),
  key(
    'registration.opensAt',
    'JIM_REGISTRATION_OPENS_AT',
    { kind: 'isoTime' },
    '',
    'Optional ISO-8601 time before which registration stays closed, e.g. `2026-03-01T09:00:00Z` (admins can change it).',
  ),
  key(
    'registration.closesAt',
    'JIM_REGISTRATION_CLOSES_AT',
    { kind: 'isoTime' },
    '',
    'Optional ISO-8601 time from which registration is closed (admins can change it).',
  ),
  key(
    'captcha.afterFailures',
    'JIM_CAPTCHA_AFTER_FAILURES',
    int(1, 100),
    3,
    'auto mode: failed logins for one account from one IP (15-minute window) before a captcha is required.',
  ),
  key('captcha.ttlSeconds', 'JIM_CAPTCHA_TTL_SECONDS', int(30, 3600), 300, 'How long a captcha challenge can be answered (single use).'),
  key(
    'captcha.maxPending',
    'JIM_CAPTCHA_MAX_PENDING',
    int(100, 1_000_000),
    10_000,
    "Unanswered captchas kept (per instance with the memory store, cluster-wide with Redis); when full, new ones are refused with 503 `auth.captcha_busy` until some expire or are answered (nobody else's pending challenge is ever dropped).",
  ),
  key(
    'rateLimit.loginFailuresPerIp',
    'JIM_RATE_LIMIT_LOGIN_FAILURES_PER_IP',
    int(1, 1_000_000),
    30,
    'Failed logins from one IP in 15 minutes before further logins from it get 429 (a solved captcha does not lift it).',
  ),
  key('rateLimit.registerPerHour', 'JIM_RATE_LIMIT_REGISTER_PER_HOUR', int(1, 1_000_000), 20, 'Registration attempts per IP per hour.'),
  key(
    'rateLimit.captchaPerMinute',
    'JIM_RATE_LIMIT_CAPTCHA_PER_MINUTE',
    int(1, 1_000_000),
    20,
    'Captcha challenges one IP may fetch per minute.',
  ),
  key(
    'rateLimit.searchPerMinute',
    'JIM_RATE_LIMIT_SEARCH_PER_MINUTE',
    int(1, 1_000_000),
    60,
    'User searches (GET /users) per user per minute.',
  ),
  key(
    'rateLimit.emailPerHour',
    'JIM_RATE_LIMIT_EMAIL_PER_HOUR',
    int(1, 1_000_000),
    5,
    'E-mail codes sent per user and per address per hour (binding and password reset).',
  ),
  key(
    'rateLimit.passwordResetPerHour',
    'JIM_RATE_LIMIT_PASSWORD_RESET_PER_HOUR',
    int(1, 1_000_000),
    10,
    'Password reset requests and confirmations per IP per hour.',
  ),
  key(
    'rateLimit.uploadsPerMinute',
    'JIM_RATE_LIMIT_UPLOADS_PER_MINUTE',
    int(1, 1_000_000),
    30,
    'Uploads (POST /files) one user may start per minute.',
  ),
  key(
    'rateLimit.friendRequestsPerHour',
    'JIM_RATE_LIMIT_FRIEND_REQUESTS_PER_HOUR',
    int(1, 1_000_000),
    30,
    'Friend requests one user may send per hour.',
  ),
  key('rateLimit.groupsPerHour', 'JIM_RATE_LIMIT_GROUPS_PER_HOUR', int(1, 1_000_000), 10, 'Groups one user may create per hour.'),
  key(
    'rateLimit.invitationsPerHour',
    'JIM_RATE_LIMIT_INVITATIONS_PER_HOUR',
    int(1, 1_000_000),
    60,
    'Invite requests (POST /groups/{id}/members, each up to 200 users) one user may make per hour.',
  ),
  key('email.codeTtlMinutes', 'JIM_EMAIL_CODE_TTL_MINUTES', int(1, 24 * 60), 15, 'How long an e-mailed code stays valid.'),
  key(
    'email.codeMaxAttempts',
    'JIM_EMAIL_CODE_MAX_ATTEMPTS',
    int(1, 100),
    5,
    'Wrong guesses allowed per e-mailed code; then it is void and a new one must be requested.',
  ),
  key(
    'smtp.host',
    'JIM_SMTP_HOST',
    { kind: 'string', allowEmpty: true },
    '',
    'SMTP server for e-mail codes. Empty: codes are written to the server log instead (development only).',
  ),
  key('smtp.port', 'JIM_SMTP_PORT', int(1, 65535), 587, 'SMTP port (587 with STARTTLS, 465 with smtp.secure).'),
  key('smtp.secure', 'JIM_SMTP_SECURE', bool, false, '`true`: TLS from the first byte (port 465). `false`: STARTTLS when offered.'),
  key('smtp.user', 'JIM_SMTP_USER', { kind: 'string', allowEmpty: true }, '', 'SMTP user name (empty: no authentication).'),
  key('smtp.password', 'JIM_SMTP_PASSWORD', { kind: 'string', allowEmpty: true }, '', 'SMTP password.'),
  key('smtp.from', 'JIM_SMTP_FROM', str, 'JIM <no-reply@localhost>', 'Sender of e-mails, e.g. `JIM <no-reply@chat.example.com>`.'),
  key(
    'ws.maxSocketsPerUser',
    'JIM_WS_MAX_SOCKETS_PER_USER',
    int(1, 1000),
    10,
    'WebSockets one user may hold open on one instance; one more is closed with 4029.',
  ),
  key('ws.maxFrameBytes', 'JIM_WS_MAX_FRAME_BYTES', int(256, 16 * 1024 * 1024), 64 * 1024, 'Largest client frame (1009 above).'),
  key(
    'ws.queueMaxFrames',
    'JIM_WS_QUEUE_MAX_FRAMES',
    int(1, 1_000_000),
    1000,
    'Outbound frames queued for one slow socket before it is closed with 4008.',
  ),
  key(
    'ws.heartbeatSeconds',
    'JIM_WS_HEARTBEAT_SECONDS',
    int(1, 3600),
    25,
    'Server ping interval; a socket that misses two pongs is closed.',
  ),
  key(
    'ws.authTimeoutMs',
    'JIM_WS_AUTH_TIMEOUT_MS',
    int(100, 60_000),
    5000,
    'How long a browser socket may wait before sending its `auth` frame.',
  ),
  key('ws.maxPendingPerIp', 'JIM_WS_MAX_PENDING_PER_IP', int(1, 10_000), 20, 'Unauthenticated sockets one IP may hold at once.'),
  key(
    'ws.sessionRecheckSeconds',
    'JIM_WS_SESSION_RECHECK_SECONDS',
    int(1, 3600),
    60,
    'How often an open socket re-checks that its session is still valid.',
  ),
  key(
    'ws.resumePerSecond',
    'JIM_WS_RESUME_PER_SECOND',
    int(1, 1000),
    2,
    '`resume` frames one socket may send per second (after `ws.resumeBurst`); more are refused with `rate_limited`.',
  ),
  key(
    'ws.resumeBurst',
    'JIM_WS_RESUME_BURST',
    int(1, 1000),
    5,
    '`resume` frames one socket may send at once before `ws.resumePerSecond` applies.',
  ),
  key(
    'ws.framesPerSecond',
    'JIM_WS_FRAMES_PER_SECOND',
    int(1, 100_000),
    10,
    'Other frames (`typing`, `ping`...) one socket may send per second, bursts of twice that; `message.send` follows `messages.sendPerMinute`.',
  ),
  key(
    'ws.refusalsBeforeClose',
    'JIM_WS_REFUSALS_BEFORE_CLOSE',
    int(1, 100_000),
    20,
    'Frames refused as `rate_limited` a socket may collect (one forgiven per second) before it is closed with 1008.',
  ),
  key('groups.maxMembers', 'JIM_GROUPS_MAX_MEMBERS', int(2, 100_000), 500, 'Default and highest member limit of a group.'),
  key('messages.maxTextLength', 'JIM_MESSAGES_MAX_TEXT_LENGTH', int(1, 100_000), 4000, 'Longest text message, in characters.'),
  key(
    'messages.sendPerMinute',
    'JIM_MESSAGES_SEND_PER_MINUTE',
    int(1, 1_000_000),
    120,
    'Messages one user may send per minute (all conversations).',
  ),
  key(
    'messages.editPerMinute',
    'JIM_MESSAGES_EDIT_PER_MINUTE',
    int(1, 1_000_000),
    30,
    'Edits and recalls one user may make per minute (all conversations together).',
  ),
  key(
    'messages.editWindowSeconds',
    'JIM_MESSAGES_EDIT_WINDOW_SECONDS',
    int(0, 7 * 24 * 3600),
    15 * 60,
    'How long after sending a user may edit their text message.',
  ),
  key(
    'messages.recallWindowSeconds',
    'JIM_MESSAGES_RECALL_WINDOW_SECONDS',
    int(0, 7 * 24 * 3600),
    2 * 60,
    'How long after sending a user may recall their own message.',
  ),
  key(
    'messages.resumeMaxMessages',
    'JIM_MESSAGES_RESUME_MAX_MESSAGES',
    int(1, 100_000),
    500,
    'Most messages one `resume` replays per conversation before answering resync_required.',
  ),
  key(
    'world.sendPerMinute',
    'JIM_WORLD_SEND_PER_MINUTE',
    int(1, 100_000),
    20,
    'Messages one user may send to the world channel per minute.',
  ),
  key(
    'world.globalSendPerSecond',
    'JIM_WORLD_GLOBAL_SEND_PER_SECOND',
    int(1, 1_000_000),
    200,
    'Messages all users together may send to the world channel per second.',
  ),
]
