import { createHmac } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseRedisUrl, type RedisTarget } from '../config/redis-url.js'
import { sql } from 'kysely'
import type { Config } from '../config/config.js'
import type { Clock } from '../shared/clock.js'
import { ioredis } from '../shared/redis-client.js'
import { migrationStatus, openDatabase } from '../store/sql/database.js'

export interface Finding {
  check: string
  status: 'ok' | 'warn' | 'fail'
  detail: string
  /** what to do about it (warn and fail) */
  fix?: string
}

export interface DoctorOptions {
  clock: Clock
  /** below this many free bytes the local files store fails (default 256 MiB); below four times it, a warning */
  minFreeBytes?: number
  /** largest tolerated difference between this machine's and the database's clock */
  maxSkewMs?: number
}

const ok = (check: string, detail: string): Finding => ({ check, status: 'ok', detail })
const fail = (check: string, detail: string, fix: string): Finding => ({ check, status: 'fail', detail, fix })
const warn = (check: string, detail: string, fix: string): Finding => ({ check, status: 'warn', detail, fix })

/** Database: reachable, migrated to this version, and its clock near ours (times come from the app). */
export async function checkDatabase(config: Config, options: DoctorOptions): Promise<Finding[]> {
  const database = openDatabase(config)
  try {
    let status
    try {
      status = await withTimeout(migrationStatus(database), 5000)
    } catch (err) {
      return [
        fail(
          'database',
          `cannot reach the ${config.storage.driver} database: ${(err as Error).message}`,
          'start the database or correct JIM_STORAGE_URL',
        ),
      ]
    }
    const findings: Finding[] = []
    if (status.pending.length)
      findings.push(fail('database', `not migrated: ${status.pending.join(', ')} pending`, 'run `jim migrate` (or start the server once)'))
    else if (status.newer.length)
      findings.push(
        warn('database', `migrated by a newer JIM (${status.newer.join(', ')})`, 'upgrade this instance to the version the others run'),
      )
    else findings.push(ok('database', `reachable, migrated (${status.applied.at(-1)})`))
    const before = options.clock.now()
    const { rows } = await sql<{ ms: number | string }>`SELECT ${sql.raw(databaseNowMs(config.storage.driver))} AS ms`.execute(database.db)
    const skew = Math.round(Number(rows[0]!.ms) - (before + options.clock.now()) / 2)
    const max = options.maxSkewMs ?? 2000
    findings.push(
      Math.abs(skew) > max
        ? fail(
            'clock',
            `this machine's clock is ${Math.abs(skew)} ms ${skew > 0 ? 'behind' : 'ahead of'} the database's`,
            'synchronize the clocks (NTP) of every JIM machine and the database',
          )
        : ok('clock', `within ${Math.abs(skew)} ms of the database`),
    )
    return findings
  } finally {
    await database.db.destroy()
  }
}

function databaseNowMs(driver: Config['storage']['driver']): string {
  switch (driver) {
    case 'sqlite':
      return "(julianday('now') - 2440587.5) * 86400000.0"
    case 'mysql':
      return 'UNIX_TIMESTAMP(NOW(3)) * 1000'
    case 'postgres':
      return 'EXTRACT(EPOCH FROM clock_timestamp()) * 1000'
  }
}

/** Redis (when the broker uses it) answers, and every instance has the same secret (fingerprints). */
export async function checkRedisAndSecret(config: Config, secret: string | null): Promise<Finding[]> {
  if (config.broker.driver !== 'redis') return []
  const once = { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null }
  let target: RedisTarget
  try {
    target = parseRedisUrl(config.redis.url)
  } catch (err) {
    return [fail('redis', `JIM_REDIS_URL: ${(err as Error).message}`, 'correct JIM_REDIS_URL')]
  }
  const redis =
    target.kind === 'single'
      ? new (ioredis().Redis)(target.url, once)
      : new (ioredis().Cluster)(target.nodes, {
          lazyConnect: true,
          clusterRetryStrategy: () => null,
          redisOptions: { ...once, username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}) },
        })
  redis.on('error', () => {})
  try {
    await withTimeout(
      redis.connect().then(() => redis.ping()),
      5000,
    )
  } catch (err) {
    redis.disconnect()
    return [fail('redis', `cannot reach ${config.redis.url}: ${(err as Error).message}`, 'start Redis or correct JIM_REDIS_URL')]
  }
  try {
    const findings = [ok('redis', `reachable at ${config.redis.url}`)]
    if (!secret) return findings
    // a keyed digest of the secret, never the secret: equal on every instance or signatures break
    const fingerprint = createHmac('sha256', secret).update('jim secret fingerprint').digest('hex').slice(0, 16)
    const key = `${config.redis.prefix}doctor:secret-fingerprint`
    await redis.set(key, fingerprint, 'NX')
    const recorded = await redis.get(key)
    findings.push(
      recorded === fingerprint
        ? ok('secret', 'set, and the same as the other instances checked')
        : fail(
            'secret',
            'differs from the secret of another instance (its fingerprint in Redis)',
            'set the same JIM_SECRET on every instance (or delete the fingerprint key if the secret was changed on purpose)',
          ),
    )
    return findings
  } finally {
    redis.disconnect()
  }
}

/** The secret JIM will use: JIM_SECRET, else the one generated into the data dir; null when neither exists yet. */
export function readSecret(config: Config): string | null {
  if (config.secret) return config.secret
  try {
    return readFileSync(join(config.dataDir, 'secret'), 'utf8').trim() || null
  } catch {
    return null
  }
}

export function checkSecret(config: Config, secret: string | null): Finding[] {
  if (!secret)
    return [warn('secret', 'not set yet', 'set JIM_SECRET (the same on every instance), or let the first start generate <dataDir>/secret')]
  if (secret.length < 16) return [fail('secret', `only ${secret.length} characters`, 'use a random JIM_SECRET of at least 32 characters')]
  if (!config.secret && config.broker.driver === 'redis' && !config.files.sharedDir)
    return [warn('secret', 'generated into this data dir', 'set one JIM_SECRET on every instance of a cluster')]
  // with Redis, the fingerprint check reports it
  return config.broker.driver === 'redis' ? [] : [ok('secret', 'set')]
}

/** The files store: the local directory is writable and has room (sql: the database holds the bytes). */
export function checkFiles(config: Config, options: DoctorOptions): Finding[] {
  if (config.files.driver === 'sql') return [ok('files', 'stored in the database (sql)')]
  const dir = join(config.dataDir, 'files')
  try {
    mkdirSync(dir, { recursive: true })
    const probe = join(dir, `.doctor-${process.pid}`)
    writeFileSync(probe, 'ok')
    rmSync(probe)
  } catch (err) {
    return [fail('files', `cannot write to ${dir}: ${(err as Error).message}`, 'fix JIM_DATA_DIR or the directory permissions')]
  }
  const { bavail, bsize } = statfsSync(dir)
  const free = bavail * bsize
  const min = options.minFreeBytes ?? 256 * 1024 * 1024
  const human = `${(free / 1024 ** 3).toFixed(1)} GiB free`
  if (free < min) return [fail('files', `${dir}: only ${human}`, 'free disk space or move JIM_DATA_DIR to a larger disk')]
  if (free < 4 * min) return [warn('files', `${dir}: ${human}`, 'free disk space soon')]
  return [ok('files', `${dir} writable, ${human}`)]
}

/** The public URL users reach JIM at: a cluster cannot be reached at localhost; others should use https. */
export function checkPublicUrl(config: Config): Finding[] {
  const url = new URL(config.publicUrl)
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  if (local && config.broker.driver === 'redis')
    return [
      fail(
        'publicUrl',
        `${config.publicUrl} in a cluster`,
        'set JIM_PUBLIC_URL to the address users open (the load balancer), e.g. https://chat.example.com',
      ),
    ]
  if (url.pathname !== '/' || url.search || url.hash)
    return [
      fail(
        'publicUrl',
        `${config.publicUrl} has a path or query`,
        'JIM is served at the root of its host: set JIM_PUBLIC_URL to scheme://host[:port]',
      ),
    ]
  if (!local && url.protocol === 'http:')
    return [warn('publicUrl', `${config.publicUrl} is plain http`, 'put JIM behind TLS and set an https:// JIM_PUBLIC_URL')]
  return [ok('publicUrl', config.publicUrl)]
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref()),
  ])
}
