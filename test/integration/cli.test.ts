import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const jim = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )

// each test starts the CLI as its own process, slow to start on a busy machine
describe('jim CLI', { timeout: 120_000 }, () => {
  it('should migrate a fresh SQLite database, then report it up to date', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jim-cli-'))
    const first = await jim(['migrate'], { JIM_DATA_DIR: dataDir })
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('applied: 0001-initial')
    const second = await jim(['migrate'], { JIM_DATA_DIR: dataDir })
    expect(second.stdout).toContain('up to date')
  })

  it('should stop with exit code 1 and name the key on a bad config value', async () => {
    const res = await jim(['migrate'], { JIM_STORAGE_DRIVER: 'oracle' })
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('JIM_STORAGE_DRIVER')
  })

  it('should refuse admin create for an unknown user', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jim-cli-'))
    const res = await jim(['admin', 'create', 'ghost'], { JIM_DATA_DIR: dataDir })
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('no user "ghost"')
  })
})
