import { existsSync, readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { Config } from './config.js'
import { withoutPassword } from '../shared/operator-text.js'
import { parseRedisUrl, RedisUrlError } from './redis-url.js'
import { CONFIG_KEYS, type KeySpec } from './schema.js'

/** Thrown for any bad configuration; the message always names the offending key. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

export interface ConfigSources {
  /** process environment (only `main`/`cli` pass `process.env`) */
  env?: Record<string, string | undefined>
  /** CLI arguments after the command, e.g. `['--port', '9000']` */
  argv?: readonly string[]
  /** values that win over everything (tests use this) */
  overrides?: Record<string, unknown>
  /** working directory for the default `./config.yml` */
  cwd?: string
}

/**
 * Loads the configuration: defaults <- config.yml <- JIM_* env <- CLI flags <- overrides.
 * Every value is validated; anything wrong throws a ConfigError naming the key.
 */
export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const env = sources.env ?? {}
  const values = new Map<string, unknown>(CONFIG_KEYS.map((k) => [k.path, k.default]))

  const file = findConfigFile(env, sources.argv ?? [], sources.cwd ?? '.')
  if (file) {
    for (const [path, value] of flattenYaml(readYaml(file))) {
      if (!values.has(path)) throw new ConfigError(`${file}: unknown key "${path}"`)
      values.set(path, parseValue(specOf(path), value, `${file}: ${path}`))
    }
  }
  for (const spec of CONFIG_KEYS) {
    const raw = env[spec.env]
    if (raw !== undefined) values.set(spec.path, parseValue(spec, raw, spec.env))
  }
  for (const [flag, raw] of flagPairs(sources.argv ?? [])) {
    if (flag === '--config') continue
    const spec = CONFIG_KEYS.find((k) => k.flag === flag)
    if (!spec) throw new ConfigError(`unknown flag ${flag}`)
    values.set(spec.path, parseValue(spec, raw, flag))
  }
  for (const [path, value] of Object.entries(sources.overrides ?? {})) {
    if (!values.has(path)) throw new ConfigError(`unknown key "${path}"`)
    values.set(path, parseValue(specOf(path), value, path))
  }

  const config = nest(values) as unknown as Config
  checkCombinations(config, env)
  return deepFreeze(config)
}

function specOf(path: string): KeySpec {
  return CONFIG_KEYS.find((k) => k.path === path)!
}

function findConfigFile(env: ConfigSources['env'] & object, argv: readonly string[], cwd: string): string | null {
  const fromFlag = flagPairs(argv).find(([flag]) => flag === '--config')?.[1]
  const explicit = fromFlag ?? env.JIM_CONFIG
  if (explicit) {
    if (!existsSync(explicit)) throw new ConfigError(`JIM_CONFIG: file not found: ${explicit}`)
    return explicit
  }
  const fallback = `${cwd}/config.yml`
  return existsSync(fallback) ? fallback : null
}

function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8')) ?? {}
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`)
  }
}

function flattenYaml(doc: unknown, prefix = ''): Array<[string, unknown]> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    if (prefix === '') throw new ConfigError('config file: top level must be a mapping')
    return [[prefix, doc]]
  }
  return Object.entries(doc).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k
    const isLeaf = CONFIG_KEYS.some((spec) => spec.path === path)
    return isLeaf ? [[path, v] as [string, unknown]] : flattenYaml(v, path)
  })
}

function flagPairs(argv: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('--')) continue
    const eq = arg.indexOf('=')
    if (eq > 0) pairs.push([arg.slice(0, eq), arg.slice(eq + 1)])
    else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`flag ${arg} needs a value`)
      pairs.push([arg, next])
      i++
    }
  }
  return pairs
}

function parseValue(spec: KeySpec, raw: unknown, where: string): unknown {
  const t = spec.type
  const fail = (why: string): never => {
    throw new ConfigError(`${where}: ${why} (got ${JSON.stringify(raw)})`)
  }
  switch (t.kind) {
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') fail('expected a string')
      const s = String(raw)
      if (!t.allowEmpty && s === '') fail('must not be empty')
      return s
    }
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN
      if (!Number.isSafeInteger(n)) fail('expected a whole number')
      if (n < t.min || n > t.max) fail(`must be between ${t.min} and ${t.max}`)
      return n
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw
      if (raw === 'true' || raw === '1') return true
      if (raw === 'false' || raw === '0') return false
      return fail('expected true or false')
    }
    case 'enum': {
      if (typeof raw !== 'string' || !t.values.includes(raw)) fail(`expected one of ${t.values.join(', ')}`)
      return raw
    }
    case 'url': {
      if (typeof raw !== 'string') return fail('expected a URL')
      let url: URL
      try {
        url = new URL(raw)
      } catch {
        return fail('expected a URL')
      }
      if (!t.protocols.includes(url.protocol)) fail(`URL must start with ${t.protocols.join(' or ')}`)
      return raw.replace(/\/+$/, '')
    }
    case 'isoTime': {
      // YAML turns unquoted timestamps into Dates
      if (raw instanceof Date) return raw.toISOString()
      if (typeof raw !== 'string') return fail('expected an ISO-8601 time')
      if (raw.trim() === '') return ''
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw.trim()) || Number.isNaN(Date.parse(raw))) {
        return fail('expected an ISO-8601 time with a zone, e.g. 2026-03-01T09:00:00Z')
      }
      return new Date(raw).toISOString()
    }
    case 'list': {
      if (Array.isArray(raw)) return raw.map(String)
      if (typeof raw === 'string')
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      return fail('expected a list')
    }
  }
}

function checkCombinations(config: Config, env: Record<string, string | undefined>): void {
  if (config.storage.driver !== 'sqlite' && !config.storage.url) {
    throw new ConfigError(`JIM_STORAGE_URL: required when JIM_STORAGE_DRIVER is ${config.storage.driver}`)
  }
  if (config.storage.driver !== 'sqlite') {
    const expected = config.storage.driver === 'mysql' ? ['mysql:', 'mariadb:'] : ['postgres:', 'postgresql:']
    let protocol = ''
    try {
      protocol = new URL(config.storage.url).protocol
    } catch {
      throw new ConfigError(`JIM_STORAGE_URL: not a URL: ${withoutPassword(config.storage.url)}`)
    }
    if (!expected.includes(protocol)) {
      throw new ConfigError(`JIM_STORAGE_URL: a ${config.storage.driver} URL must start with ${expected.join(' or ')}//`)
    }
  }
  if (config.broker.driver === 'redis' && !config.redis.url) {
    throw new ConfigError('JIM_REDIS_URL: required when JIM_BROKER_DRIVER is redis')
  }
  if (config.broker.driver === 'redis') {
    try {
      parseRedisUrl(config.redis.url)
    } catch (err) {
      if (err instanceof RedisUrlError) throw new ConfigError(`JIM_REDIS_URL: ${err.message}`)
      throw err
    }
  }
  // a cluster (redis broker) means several processes: each must see the same data
  if (config.broker.driver === 'redis' && config.storage.driver === 'sqlite') {
    throw new ConfigError(
      'JIM_STORAGE_DRIVER: sqlite serves one process only; with JIM_BROKER_DRIVER=redis use mysql or postgres (and JIM_STORAGE_URL)',
    )
  }
  if (config.broker.driver === 'redis' && config.files.driver === 'local' && !config.files.sharedDir) {
    throw new ConfigError(
      'JIM_FILES_DRIVER: local files are per instance; with JIM_BROKER_DRIVER=redis use JIM_FILES_DRIVER=sql, or set JIM_FILES_SHARED_DIR=true if the files dir is on storage shared by every instance',
    )
  }
  if (config.auth.hashProfile === 'test' && env.NODE_ENV !== 'test') {
    throw new ConfigError('JIM_AUTH_HASH_PROFILE: "test" is only allowed when NODE_ENV=test')
  }
}

function nest(values: Map<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {}
  for (const [path, value] of values) {
    const parts = path.split('.')
    let node = root
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>
    node[parts.at(-1)!] = value
  }
  return root
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
