import { afterEach, describe, expect, it } from 'vitest'
import { closeRedisClient, createRedisClient, type RedisClient } from '../../src/shared/redis-client.js'
import { createLogger } from '../../src/shared/logger.js'
import { eventually } from '../helpers/eventually.js'
import { SHARED_REDIS_URL, deleteRedisKeys, redisAvailable, uniqueRedisPrefix } from '../helpers/redis.js'

const up = await redisAvailable()

describe.skipIf(!up)('Redis command connection', () => {
  const prefix = uniqueRedisPrefix()
  let client: RedisClient | undefined

  afterEach(async () => {
    if (client) await closeRedisClient(client)
    await deleteRedisKeys(prefix)
  })

  /** the socket's system-call writes: `_write` (one chunk) and `_writev` (several), counted */
  function countWrites(c: RedisClient) {
    const socket = (c as unknown as { stream: Record<string, (...args: unknown[]) => unknown> }).stream
    const counts = { writes: 0, chunks: 0 }
    const write = socket._write!.bind(socket)
    const writev = socket._writev!.bind(socket)
    socket._write = (...args) => {
      counts.writes++
      counts.chunks++
      return write(...args)
    }
    socket._writev = (chunks, ...rest) => {
      counts.writes++
      counts.chunks += (chunks as unknown[]).length
      return writev(chunks, ...rest)
    }
    return counts
  }

  it('should send the commands of one event-loop turn in one write, each answered in order', async () => {
    client = createRedisClient(SHARED_REDIS_URL, { name: 'jim-test-coalesce', logger: createLogger('silent'), coalesceWrites: true })
    await eventually(() => client!.status === 'ready', 'connected')
    const counts = countWrites(client)
    const key = `${prefix}counter`
    const replies = await Promise.all(Array.from({ length: 50 }, () => client!.incr(key)))
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(counts).toEqual({ writes: 1, chunks: 50 })
    // the next turn's commands go out as well (the socket was uncorked)
    await expect(client.get(key)).resolves.toBe('50')
    expect(counts.writes).toBe(2)
  })

  it('should write command by command without coalescing', async () => {
    client = createRedisClient(SHARED_REDIS_URL, { name: 'jim-test-plain', logger: createLogger('silent') })
    await eventually(() => client!.status === 'ready', 'connected')
    const counts = countWrites(client)
    await Promise.all(Array.from({ length: 10 }, () => client!.incr(`${prefix}plain`)))
    expect(counts.writes).toBeGreaterThan(1)
  })
})
