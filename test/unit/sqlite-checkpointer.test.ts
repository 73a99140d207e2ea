import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { afterAll, expect, it } from 'vitest'
import { checkpointOffThread } from '../../src/store/sql/sqlite-checkpointer.js'
import { eventually } from '../helpers/eventually.js'

const dir = mkdtempSync(join(tmpdir(), 'jim-ckpt-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('should leave checkpoints to the worker: commits never copy the WAL into the database file, the worker does', async () => {
  const file = join(dir, 'db.sqlite')
  const db = new SQLite(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  checkpointOffThread(db, file, 20)
  expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)')
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)')
  const pad = 'x'.repeat(2000)
  // well past the 1,000 pages at which the main connection would have checkpointed itself
  for (let i = 0; i < 3000; i++) insert.run(pad)
  await eventually(() => statSync(file).size > 3000 * 2000, 'the worker to copy the WAL into the database file', 20_000)
  expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3000 })
  db.close()
})

it('should start no worker for an in-memory database', () => {
  const db = new SQLite(':memory:')
  checkpointOffThread(db, ':memory:')
  expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000)
  db.close()
})
