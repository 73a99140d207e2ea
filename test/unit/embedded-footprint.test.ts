import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * What an embedded server (SQLite, in-process broker, captchas off) has loaded once it is built
 * and has answered a request, read in its own process: the packages only other deployments use
 * stay unloaded (src/shared/load-on-use.ts), which keeps ~30 MiB of RSS off every embedded server.
 */
const SCRIPT = `
const { buildApp } = await import('./src/app.ts')
const { loadConfig } = await import('./src/config/load-config.ts')
const config = loadConfig({ env: { JIM_DATA_DIR: process.env.DATA_DIR, JIM_CAPTCHA_MODE: 'off', JIM_LOG_LEVEL: 'silent' } })
const app = await buildApp(config)
const res = await app.http.inject({ method: 'GET', url: '/api/v1/config' })
const loaded = Object.keys((await import('node:module')).createRequire(import.meta.url).cache)
await app.close()
console.log(JSON.stringify({ status: res.statusCode, loaded }))
`

describe('an embedded server', () => {
  it('should not load the MariaDB, PostgreSQL and Redis drivers, the captcha renderer or zxcvbn', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jim-footprint-'))
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
        cwd: join(import.meta.dirname, '../..'),
        env: { ...process.env, DATA_DIR: dataDir, NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 60_000,
      })
      const { status, loaded } = JSON.parse(out.trim().split('\n').pop()!) as { status: number; loaded: string[] }
      expect(status).toBe(200)
      const packages = new Set(loaded.map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1]).filter(Boolean))
      // the check reads what it means to: packages that load at startup are listed
      expect(packages).toContain('better-sqlite3')
      for (const unused of ['mysql2', 'pg', 'ioredis', 'svg-captcha', '@zxcvbn-ts/core']) expect(packages).not.toContain(unused)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 90_000)
})
