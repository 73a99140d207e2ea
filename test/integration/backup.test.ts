import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../../src/config/load-config.js'
import { runBackup } from '../../src/ops/backup-commands.js'
import { backupSqlite, restoreSqlite } from '../../src/ops/sqlite-backup.js'
import { acquireSqliteLock } from '../../src/store/sql/sqlite-lock.js'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { createTestDatabase } from '../helpers/databases.js'
import { fullHistory } from '../helpers/history.js'
import { jim } from '../helpers/jim-cli.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp } from '../helpers/test-app.js'

// the CLI runs as its own process, which takes a while to start on a busy machine
describe('jim backup / jim restore (SQLite)', { timeout: 120_000 }, () => {
  const database = createTestDatabase('sqlite')
  const dbFile = database.overrides['storage.url'] as string
  const env = { JIM_STORAGE_URL: dbFile, JIM_DATA_DIR: database.overrides.dataDir as string }
  afterAll(() => database.cleanup())

  it('should back up while messages are sent and restore every message acked before the backup began', async () => {
    // the load is the point here: no per-user send limits
    const t = await startTestApp({ database, overrides: { 'rateLimit.enabled': false } })
    const [a, b, c] = [await createUser(t.url, 'bka'), await createUser(t.url, 'bkb'), await createUser(t.url, 'bkc')]
    await befriend(a, b)
    await befriend(a, c)
    const conversations = [await directConversation(a, b), await directConversation(a, c)]
    const acked: Array<{ conversationId: string; seq: number; id: string }> = []
    let stop = false
    // four senders in a loop: the server commits while the backup reads
    const pairs: Array<[TestUser, string]> = [
      [a, conversations[0]!],
      [b, conversations[0]!],
      [a, conversations[1]!],
      [c, conversations[1]!],
    ]
    const senders = pairs.map(async ([user, conversationId], i) => {
      for (let n = 0; !stop; n++) {
        const m = await sendText(user, conversationId, `load ${i}-${n}`)
        acked.push({ conversationId, seq: m.seq, id: m.id })
      }
    })
    while (acked.length < 60) await new Promise((r) => setTimeout(r, 10))
    const ackedBefore = [...acked]
    const backupFile = join(mkdtempSync(join(tmpdir(), 'jim-backup-')), 'jim-backup.sqlite')
    const backup = await jim(['backup', backupFile], env)
    const ackedDuring = acked.length - ackedBefore.length
    stop = true
    await Promise.all(senders)
    expect(backup.stderr).toBe('')
    expect(backup.code).toBe(0)
    expect(backup.stdout).toContain('backed up')
    expect(ackedDuring).toBeGreaterThan(0)
    await t.app.close()

    const { previous } = await restoreSqlite(backupFile, dbFile)
    expect(previous).toMatch(/before-restore/)
    expect(existsSync(previous!)).toBe(true)

    const again = await startTestApp({ database })
    try {
      const viewer = await login(again.url, a.username)
      const restored = new Map<string, any[]>()
      for (const id of conversations) restored.set(id, await fullHistory(viewer, id))
      for (const m of ackedBefore) expect(restored.get(m.conversationId)!.find((r) => r.seq === m.seq)?.id).toBe(m.id)
      // a consistent copy: each conversation's seqs run 1..last without a hole, and its counter agrees
      const list = (await viewer.api.get('/conversations')).body
      for (const [id, items] of restored) {
        expect(items.map((m) => m.seq)).toEqual(items.map((_, i) => i + 1))
        const lastSeq = (Array.isArray(list) ? list : list.items).find((c: any) => c.id === id).lastSeq
        expect(lastSeq).toBe(items.length)
      }
      // the restored server takes new messages after the restored ones
      const next = await sendText(viewer, conversations[0]!, 'after restore')
      expect(next.seq).toBe(restored.get(conversations[0]!)!.length + 1)
    } finally {
      await again.app.close()
    }
  })

  it('should refuse to restore while a server holds the database, and change nothing', async () => {
    const backupFile = join(mkdtempSync(join(tmpdir(), 'jim-backup-')), 'b.sqlite')
    await backupSqlite(dbFile, backupFile)
    const before = readFileSync(dbFile)
    // this test process plays the running server: it holds the lock file with a live pid
    const release = acquireSqliteLock(dbFile)
    try {
      const res = await jim(['restore', backupFile], env)
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('cannot restore while a JIM server uses')
      expect(res.stderr).toContain(`pid ${process.pid}`)
      expect(readFileSync(dbFile).equals(before)).toBe(true)
    } finally {
      release()
    }
  })

  it('should refuse a backup over an existing file, a restore of a file that is not a JIM database, and other drivers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jim-backup-'))
    const existing = join(dir, 'exists.sqlite')
    writeFileSync(existing, 'keep me')
    await expect(backupSqlite(dbFile, existing)).rejects.toThrow('already exists')
    expect(readFileSync(existing, 'utf8')).toBe('keep me')
    await expect(restoreSqlite(existing, dbFile)).rejects.toThrow('is not a SQLite database')
    await expect(restoreSqlite(join(dir, 'nope.sqlite'), dbFile)).rejects.toThrow('no backup at')

    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const config = loadConfig({
      env: {},
      overrides: { 'storage.driver': 'postgres', 'storage.url': 'postgres://postgres@127.0.0.1:5432/x' },
    })
    expect(await runBackup(config, join(dir, 'x'))).toBe(1)
    expect(errors.mock.calls.flat().join(' ')).toContain('pg_dump')
    expect(existsSync(join(dir, 'x'))).toBe(false)
    errors.mockRestore()
  })
})
