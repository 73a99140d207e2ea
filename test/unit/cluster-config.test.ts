import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/load-config.js'
import { parseRedisUrl } from '../../src/config/redis-url.js'

const cwd = () => mkdtempSync(join(tmpdir(), 'jim-cluster-config-'))
const cluster = {
  JIM_BROKER_DRIVER: 'redis',
  JIM_REDIS_URL: 'redis://127.0.0.1:6379',
  JIM_STORAGE_DRIVER: 'mysql',
  JIM_STORAGE_URL: 'mysql://root@127.0.0.1:3306/jim',
  JIM_FILES_DRIVER: 'sql',
}

describe('cluster safety checks at startup', () => {
  it('should accept a cluster on a server database with files in SQL', () => {
    const config = loadConfig({ cwd: cwd(), env: cluster })
    expect(config).toMatchObject({ broker: { driver: 'redis' }, storage: { driver: 'mysql' }, files: { driver: 'sql', sharedDir: false } })
    expect(config.redis.presenceTtlSeconds).toBe(15)
    expect(config.redis.startTimeoutSeconds).toBe(20)
    expect(loadConfig({ cwd: cwd(), env: { ...cluster, JIM_REDIS_START_TIMEOUT_SECONDS: '90' } }).redis.startTimeoutSeconds).toBe(90)
    expect(() => loadConfig({ cwd: cwd(), env: { ...cluster, JIM_REDIS_START_TIMEOUT_SECONDS: '0' } })).toThrow(
      /^JIM_REDIS_START_TIMEOUT_SECONDS/,
    )
  })

  it('should refuse SQLite with the redis broker, naming JIM_STORAGE_DRIVER', () => {
    const load = () => loadConfig({ cwd: cwd(), env: { ...cluster, JIM_STORAGE_DRIVER: 'sqlite', JIM_STORAGE_URL: '' } })
    expect(load).toThrow(ConfigError)
    expect(load).toThrow(/^JIM_STORAGE_DRIVER: sqlite serves one process only/)
  })

  it('should refuse local files with the redis broker unless the files dir is declared shared', () => {
    const local = { ...cluster, JIM_FILES_DRIVER: 'local' }
    expect(() => loadConfig({ cwd: cwd(), env: local })).toThrow(/^JIM_FILES_DRIVER: .*JIM_FILES_SHARED_DIR=true/)
    expect(loadConfig({ cwd: cwd(), env: { ...local, JIM_FILES_SHARED_DIR: 'true' } }).files).toMatchObject({
      driver: 'local',
      sharedDir: true,
    })
  })

  it('should accept a Redis Cluster as a list of seed nodes, and refuse a URL it cannot use, naming JIM_REDIS_URL', () => {
    const seeds = 'redis-cluster://:s3cret@10.0.0.1:7001,10.0.0.2:7002,[::1]:7003'
    expect(loadConfig({ cwd: cwd(), env: { ...cluster, JIM_REDIS_URL: seeds } }).redis.url).toBe(seeds)
    expect(parseRedisUrl(seeds)).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7001 },
        { host: '10.0.0.2', port: 7002 },
        { host: '::1', port: 7003 },
      ],
      password: 's3cret',
      tls: false,
    })
    expect(parseRedisUrl('redis://127.0.0.1:6379/2')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379/2' })
    for (const [url, message] of [
      ['redis://127.0.0.1:7001,127.0.0.1:7002', /^JIM_REDIS_URL: a list of nodes is a Redis Cluster: write it as redis-cluster:\/\//],
      ['redis-cluster://10.0.0.1:7001,10.0.0.2', /^JIM_REDIS_URL: "10.0.0.2" is not host:port/],
      ['http://10.0.0.1:6379', /^JIM_REDIS_URL: must start with redis:\/\//],
    ] as const) {
      expect(() => loadConfig({ cwd: cwd(), env: { ...cluster, JIM_REDIS_URL: url } })).toThrow(message)
    }
  })

  it('should keep the embedded default free of these checks', () => {
    expect(loadConfig({ cwd: cwd() })).toMatchObject({
      broker: { driver: 'memory' },
      storage: { driver: 'sqlite' },
      files: { driver: 'local' },
    })
  })
})
