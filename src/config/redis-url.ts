import { withoutPassword } from '../shared/operator-text.js'
import type { RedisTarget } from '../shared/redis-client.js'

export type { RedisTarget }

/*
 * What `redis.url` names. The one parser of that setting: config validation calls it (a value
 * it refuses stops startup with the key's name) and the composition root builds its clients
 * from its result (`RedisTarget`, declared beside the client in shared/redis-client.ts).
 */

/** A refusal of `redis.url`: the message says what is wrong and what a good value looks like. */
export class RedisUrlError extends Error {
  override name = 'RedisUrlError'
}

const EXAMPLE = 'e.g. redis://127.0.0.1:6379 or rediss://user:password@redis.internal:6380/0'
const CLUSTER_EXAMPLE = 'redis-cluster://10.0.0.1:6379,10.0.0.2:6379 (rediss-cluster:// for TLS)'
const CLUSTER_SCHEMES = ['redis-cluster:', 'rediss-cluster:']

/**
 * `redis://[user:pass@]host:port[/db]` (or `rediss://`) for one Redis;
 * `redis-cluster://[user:pass@]host1:port1,host2:port2,…` (or `rediss-cluster://`) for a Redis
 * Cluster: any of its nodes as seeds, the rest is discovered.
 */
export function parseRedisUrl(text: string): RedisTarget {
  const value = text.trim()
  if (value === '') throw new RedisUrlError(`empty; give one Redis URL, ${EXAMPLE}`)
  const scheme = /^[a-z-]+:/i.exec(value)?.[0]?.toLowerCase() ?? ''
  if (CLUSTER_SCHEMES.includes(scheme)) return parseClusterUrl(value, scheme)
  if (value.includes(','))
    throw new RedisUrlError(`a list of nodes is a Redis Cluster: write it as ${CLUSTER_EXAMPLE} (got ${withoutPassword(value)})`)
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

function parseClusterUrl(value: string, scheme: string): RedisTarget {
  const rest = value.slice(scheme.length).replace(/^\/\//, '').replace(/\/+$/, '')
  const at = rest.lastIndexOf('@')
  const credentials = at >= 0 ? rest.slice(0, at) : ''
  const nodes = (at >= 0 ? rest.slice(at + 1) : rest).split(',').map((entry) => {
    const match = /^(\[[^\]]+\]|[^:\s/[\]]+):(\d{1,5})$/.exec(entry.trim())
    const port = match ? Number(match[2]) : 0
    if (!match || port < 1 || port > 65535) {
      throw new RedisUrlError(`"${entry}" is not host:port; a Redis Cluster URL lists seed nodes, ${CLUSTER_EXAMPLE}`)
    }
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port }
  })
  const colon = credentials.indexOf(':')
  const username = colon >= 0 ? decodeURIComponent(credentials.slice(0, colon)) : ''
  const password = decodeURIComponent(colon >= 0 ? credentials.slice(colon + 1) : credentials)
  return {
    kind: 'cluster',
    nodes,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    tls: scheme === 'rediss-cluster:',
  }
}
