import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { jim } from '../helpers/jim-cli.js'

describe('jim config', { timeout: 120_000 }, () => {
  it('should mask every credential, the ones inside URLs included', async () => {
    const res = await jim(['config'], {
      JIM_DATA_DIR: mkdtempSync(join(tmpdir(), 'jim-cfg-')),
      JIM_STORAGE_DRIVER: 'postgres',
      JIM_STORAGE_URL: 'postgres://jim:pg-Secret-1@db.internal:5432/jim?sslmode=require',
      JIM_BROKER_DRIVER: 'redis',
      JIM_REDIS_URL: 'redis://:redis-Secret-2@cache.internal:6379/0',
      JIM_FILES_DRIVER: 'sql',
      JIM_SMTP_PASSWORD: 'smtp-Secret-3',
      JIM_SECRET: 'signing-Secret-4-long-enough-for-anything',
      JIM_METRICS_TOKEN: 'metrics-Secret-5',
    })
    expect(res.code).toBe(0)
    for (const secret of ['pg-Secret-1', 'redis-Secret-2', 'smtp-Secret-3', 'signing-Secret-4', 'metrics-Secret-5']) {
      expect(res.stdout).not.toContain(secret)
    }
    const printed = JSON.parse(res.stdout)
    // what an operator needs to check stays readable
    expect(printed.storage.url).toBe('postgres://jim:[set]@db.internal:5432/jim?sslmode=require')
    expect(printed.redis.url).toBe('redis://:[set]@cache.internal:6379/0')
    expect(printed.smtp.password).toBe('[set]')
  })
})
