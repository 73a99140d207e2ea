import { withoutPassword } from '../shared/operator-text.js'

/**
 * What `redis.url` names. The one parser of that setting: config validation calls it (a value
 * it refuses stops startup with the key's name) and the composition root builds its clients
 * from its result, so a new syntax (e.g. a list of cluster seed nodes) is added here only.
 */
export type RedisTarget = { kind: 'single'; url: string }

/** A refusal of `redis.url`: the message says what is wrong and what a good value looks like. */
export class RedisUrlError extends Error {
  override name = 'RedisUrlError'
}

const EXAMPLE = 'e.g. redis://127.0.0.1:6379 or rediss://user:password@redis.internal:6380/0'

export function parseRedisUrl(text: string): RedisTarget {
  const value = text.trim()
  if (value === '') throw new RedisUrlError(`empty; give one Redis URL, ${EXAMPLE}`)
  if (value.includes(','))
    throw new RedisUrlError(`a list of nodes is not supported (got ${withoutPassword(value)}); give one Redis URL, ${EXAMPLE}`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new RedisUrlError(`not a URL (got ${withoutPassword(value)}); ${EXAMPLE}`)
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new RedisUrlError(`must start with redis:// or rediss:// (got ${withoutPassword(value)}); ${EXAMPLE}`)
  if (!url.hostname) throw new RedisUrlError(`names no host (got ${withoutPassword(value)}); ${EXAMPLE}`)
  const db = url.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d{1,2}$/.test(db))
    throw new RedisUrlError(`the path must be a database number such as /0 (got ${withoutPassword(value)})`)
  return { kind: 'single', url: value }
}
