import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/load-config.js'

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

  it('should keep the embedded default free of these checks', () => {
    expect(loadConfig({ cwd: cwd() })).toMatchObject({
      broker: { driver: 'memory' },
      storage: { driver: 'sqlite' },
      files: { driver: 'local' },
    })
  })
})
