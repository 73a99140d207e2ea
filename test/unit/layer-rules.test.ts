import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

/**
 * The layer rule of eslint.layers.js, run on source text placed (virtually) at a path in src/.
 * Each wrong import below must fail `npm run lint`; the allowed ones must not.
 */
const eslint = new ESLint({ cwd: process.cwd() })

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return result!.messages.filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message)
}

describe('layer rules (eslint-plugin-boundaries)', () => {
  it('should refuse a domain file importing the SQL store, a Redis client or the disk', async () => {
    const errors = await layerErrors(
      'src/domain/users/wrong-import.ts',
      [
        "import { createSqlStore } from '../../store/sql/sql-store.js'",
        "import { Redis } from 'ioredis'",
        "import { readFileSync } from 'node:fs'",
        'export const used = [createSqlStore, Redis, readFileSync]',
        '',
      ].join('\n'),
    )
    expect(errors).toHaveLength(3)
    expect(errors[0]).toContain('from elements of type "domain" to elements of type "store"')
    expect(errors[1]).toContain('"ioredis"')
    expect(errors[2]).toContain('"node:fs"')
  }, 60_000)

  it('should refuse HTTP routes importing the SQL store or an adapter', async () => {
    const errors = await layerErrors(
      'src/http/routes/wrong-import.ts',
      [
        "import { SqlFileStore } from '../../store/sql/sql-file-store.js'",
        "import { MemoryRateLimiter } from '../../adapters/memory/memory-rate-limiter.js'",
        'export const used = [SqlFileStore, MemoryRateLimiter]',
        '',
      ].join('\n'),
    )
    expect(errors).toHaveLength(2)
    expect(errors[0]).toContain('from elements of type "http" to elements of type "store"')
    expect(errors[1]).toContain('from elements of type "http" to elements of type "adapters"')
  }, 60_000)

  it('should refuse a new SQL store throwing domain errors (stores persist, the domain decides)', async () => {
    const errors = await layerErrors(
      'src/store/sql/sql-wrong-store.ts',
      "import { AppError } from '../../domain/errors.js'\nexport const used = AppError\n",
    )
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('"domain-errors"')
  }, 60_000)

  it('should allow the imports the layers permit', async () => {
    const errors = await layerErrors(
      'src/adapters/redis/allowed-import.ts',
      [
        "import { Redis } from 'ioredis'",
        "import { AppError } from '../../domain/errors.js'",
        "import type { RateLimiter } from '../../domain/security/rate-limiter.js'",
        "import { newId } from '../../shared/ids.js'",
        'export const used: Array<unknown> = [Redis, AppError, newId]',
        'export type Used = RateLimiter',
        '',
      ].join('\n'),
    )
    expect(errors).toEqual([])
  }, 60_000)
})
