import type { Config } from '../config/config.js'
import { unbounded } from '../store/sql/database.js'
import { copyData } from './copy-data.js'
import { describeStorage, parseStorageUrl } from './storage-url.js'

export const COPY_DATA_FLAGS = { switches: ['--force', '--with-sessions'], values: ['--from', '--to', '--files-from', '--batch-size'] }

/**
 * `jim copy-data --to <url> [--from <url>] [--force] [--with-sessions] [--files-from <dir>]`:
 * `--from` defaults to the configured storage.
 */
export async function runCopyData(config: Config, flags: Map<string, string | true>): Promise<number> {
  const text = (name: string) => (typeof flags.get(name) === 'string' ? (flags.get(name) as string) : undefined)
  const to = text('--to')
  if (!to) {
    console.error('jim: copy-data needs --to <storage url> (mysql://…, postgres://… or sqlite:<path>)')
    return 2
  }
  const from = text('--from') ? parseStorageUrl(text('--from')!, config.dataDir) : unbounded(config)
  const batchSize = text('--batch-size') ? Number(text('--batch-size')) : undefined
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0 && batchSize <= 5000)) {
    console.error('jim: --batch-size must be a whole number from 1 to 5000')
    return 2
  }
  const target = parseStorageUrl(to, config.dataDir)
  console.log(`copying ${describeStorage(from.storage.url || 'sqlite')} -> ${describeStorage(target.storage.url)}`)
  const result = await copyData({
    from,
    to: target,
    force: flags.has('--force'),
    withSessions: flags.has('--with-sessions'),
    filesFrom: text('--files-from'),
    batchSize,
    log: (line) => console.log(line),
  })
  if (result.problems.length) {
    console.error('jim: the copy differs from the source:')
    for (const p of result.problems) console.error(`  ${p}`)
    return 1
  }
  console.log('verified: row counts and every conversation’s last seq match the source')
  if (!flags.has('--with-sessions')) console.log('sessions were not copied: users log in again (pass --with-sessions to keep them)')
  return 0
}
