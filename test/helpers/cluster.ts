import { expect } from 'vitest'
import { ApiClient, type TestUser } from './api-client.js'
import { createTestDatabase, dialectAvailable, dialectsUnderTest, type Dialect, type TestDatabase } from './databases.js'
import { SHARED_REDIS_URL, deleteRedisKeys, redisAvailable, uniqueRedisPrefix } from './redis.js'
import { startTestApp, type TestApp } from './test-app.js'
import type { Frame, TestSocket } from './ws-client.js'

export interface TestCluster {
  nodes: TestApp[]
  database: TestDatabase
  prefix: string
  redisUrl: string
  close(): Promise<void>
}

/** The server dialects cluster suites run on (SQLite is one process). Narrow with STORES=. */
export function clusterDialects(): Array<Exclude<Dialect, 'sqlite'>> {
  return dialectsUnderTest().filter((d): d is Exclude<Dialect, 'sqlite'> => d !== 'sqlite')
}

/** Whether the services a cluster needs answer (skips loudly on a laptop, fails when CI=true). */
export async function clusterServicesAvailable(dialect: Dialect): Promise<boolean> {
  return (await dialectAvailable(dialect)) && (await redisAvailable())
}

/** Config that makes an instance part of a cluster on one Redis prefix. */
export function clusterOverrides(redisUrl: string, prefix: string): Record<string, unknown> {
  return { 'broker.driver': 'redis', 'redis.url': redisUrl, 'redis.prefix': prefix, 'files.driver': 'sql' }
}

/**
 * Starts `size` real app instances in this process, sharing one fresh database and one Redis
 * key prefix, like N servers behind a load balancer. The first one creates and migrates the database.
 */
export async function startCluster(options: {
  dialect: Exclude<Dialect, 'sqlite'>
  size?: number
  redisUrl?: string
  overrides?: Record<string, unknown>
  /** more overrides computed from the fresh database (e.g. its URL through a fault proxy) */
  databaseOverrides?: (database: TestDatabase) => Record<string, unknown>
}): Promise<TestCluster> {
  const database = createTestDatabase(options.dialect)
  const prefix = uniqueRedisPrefix()
  const redisUrl = options.redisUrl ?? SHARED_REDIS_URL
  const overrides = { ...clusterOverrides(redisUrl, prefix), ...options.overrides, ...options.databaseOverrides?.(database) }
  const nodes: TestApp[] = []
  try {
    nodes.push(await startTestApp({ database, overrides }))
    const rest = await Promise.all(Array.from({ length: (options.size ?? 3) - 1 }, () => startTestApp({ database, overrides })))
    nodes.push(...rest)
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.close()))
    await database.cleanup()
    throw err
  }
  return {
    nodes,
    database,
    prefix,
    redisUrl,
    close: async () => {
      await Promise.allSettled(nodes.map((n) => n.close()))
      await database.cleanup()
      // a test's own Redis Cluster is removed with its files; the shared Redis is cleaned by prefix
      if (!redisUrl.startsWith('redis-cluster:')) await deleteRedisKeys(prefix, redisUrl).catch(() => 0)
    },
  }
}

/** The same user talking to another instance (a load balancer sent the request elsewhere). */
export function via(node: { url: string }, user: TestUser): ApiClient {
  return new ApiClient(node.url, user.token)
}

/** `message.created` seqs a socket got for one conversation, in arrival order. */
export function seqsOf(sock: TestSocket, conversationId: string): number[] {
  return sock
    .all('message.created')
    .filter((f: Frame) => f.message.conversationId === conversationId)
    .map((f: Frame) => f.message.seq as number)
}

/** Asserts a socket got exactly `expected` seqs of a conversation: each once, in order. */
export function expectExactlyOnceInOrder(sock: TestSocket, conversationId: string, expected: number[], who = 'socket'): void {
  expect(seqsOf(sock, conversationId), `${who}: message seqs of ${conversationId}`).toEqual(expected)
}

/** 1..n */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/**
 * Senders posting into one conversation through given instances until stopped (a failed or
 * refused request is retried later, never counted); `acked` holds the seqs of the 201s.
 */
export function sendLoad(senders: Array<{ node: { url: string }; user: TestUser }>, conversationId: string) {
  const acked: number[] = []
  let running = true
  let n = 0
  const loops = senders.map(async ({ node, user }) => {
    while (running) {
      const res = await via(node, user)
        .post(`/conversations/${conversationId}/messages`, { clientMsgId: `p-${user.id}-${++n}`, type: 'text', content: { text: `m${n}` } })
        .catch(() => null)
      if (res?.status === 201) acked.push(res.body.message.seq)
      await new Promise((r) => setTimeout(r, res ? 15 : 100))
    }
  })
  return {
    acked,
    stop: async () => {
      running = false
      await Promise.all(loops)
    },
  }
}
