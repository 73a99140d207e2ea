import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/load-config.js'
import { CONFIG_KEYS } from '../../src/config/schema.js'

const dir = () => mkdtempSync(join(tmpdir(), 'jim-config-'))

describe('loadConfig', () => {
  it('should apply defaults <- config.yml <- env <- flags', () => {
    const cwd = dir()
    writeFileSync(join(cwd, 'config.yml'), 'port: 7000\nlog:\n  level: warn\nstorage:\n  driver: sqlite\n')
    expect(loadConfig({ cwd }).port).toBe(7000)
    expect(loadConfig({ cwd }).log.level).toBe('warn')
    expect(loadConfig({ cwd, env: { JIM_PORT: '7100' } }).port).toBe(7100)
    expect(loadConfig({ cwd, env: { JIM_PORT: '7100' }, argv: ['--port', '7200'] }).port).toBe(7200)
    expect(loadConfig({ cwd, argv: ['--port=7300'] }).port).toBe(7300)
    const defaults = loadConfig({ cwd: dir() })
    expect(defaults).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      dataDir: './data',
      storage: { driver: 'sqlite' },
      broker: { driver: 'memory' },
      redis: { prefix: 'jim:' },
    })
  })

  it('should freeze the result', () => {
    const config = loadConfig({ cwd: dir() })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.storage)).toBe(true)
  })

  it.each([
    [{ env: { JIM_STORAGE_DRIVER: 'oracle' } }, 'JIM_STORAGE_DRIVER'],
    [{ env: { JIM_PORT: 'eighty' } }, 'JIM_PORT'],
    [{ env: { JIM_PORT: '70000' } }, 'JIM_PORT'],
    [{ env: { JIM_RATE_LIMIT_ENABLED: 'maybe' } }, 'JIM_RATE_LIMIT_ENABLED'],
    [{ env: { JIM_STORAGE_DRIVER: 'mysql' } }, 'JIM_STORAGE_URL'],
    [{ env: { JIM_STORAGE_DRIVER: 'postgres', JIM_STORAGE_URL: 'mysql://x@y/z' } }, 'JIM_STORAGE_URL'],
    [{ env: { JIM_BROKER_DRIVER: 'redis' } }, 'JIM_REDIS_URL'],
    [{ env: { JIM_PUBLIC_URL: 'ftp://example.com' } }, 'JIM_PUBLIC_URL'],
    [{ env: { JIM_AUTH_HASH_PROFILE: 'test' } }, 'JIM_AUTH_HASH_PROFILE'],
    [{ argv: ['--no-such-flag', '1'] }, '--no-such-flag'],
    [{ env: { JIM_CONFIG: '/nonexistent/config.yml' } }, 'JIM_CONFIG'],
  ])('should stop with an error naming the key for %j', (sources, key) => {
    expect(() => loadConfig({ cwd: dir(), ...sources })).toThrow(ConfigError)
    expect(() => loadConfig({ cwd: dir(), ...sources })).toThrow(key)
  })

  it('should refuse an unknown key in config.yml, naming it', () => {
    const cwd = dir()
    writeFileSync(join(cwd, 'config.yml'), 'storage:\n  drivr: mysql\n')
    expect(() => loadConfig({ cwd })).toThrow('storage.drivr')
  })

  it('should allow the cheap hash profile only under NODE_ENV=test', () => {
    expect(loadConfig({ cwd: dir(), env: { NODE_ENV: 'test', JIM_AUTH_HASH_PROFILE: 'test' } }).auth.hashProfile).toBe('test')
  })
})

describe('configuration docs', () => {
  const readme = readFileSync('README.md', 'utf8')
  const example = readFileSync('config.example.yml', 'utf8')

  it.each(CONFIG_KEYS.map((k) => [k.env, k]))('should document %s in the README and config.example.yml', (_env, spec) => {
    expect(readme).toContain(`\`${spec.env}\``)
    const leaf = spec.path.split('.').at(-1)!
    expect(example).toMatch(new RegExp(`^\\s*#?\\s*${leaf}:`, 'm'))
  })

  it('should document every error code in the README', async () => {
    const { ERROR_CATALOGUE } = await import('../../src/domain/errors.js')
    for (const e of ERROR_CATALOGUE) expect(readme).toContain(`\`${e.code}\``)
  })
})

describe('config.example.yml', () => {
  it('should load as a config file unchanged', () => {
    const cwd = dir()
    writeFileSync(join(cwd, 'config.yml'), readFileSync('config.example.yml', 'utf8'))
    expect(loadConfig({ cwd }).port).toBe(8080)
  })
})
