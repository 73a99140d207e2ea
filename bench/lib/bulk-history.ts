import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { newId } from '../../src/shared/ids.js'
import type { Shape } from './scenario.js'
import { waitIdle } from './wait-idle.js'

/** Where a running JIM process keeps its data, read from its environment (/proc/<pid>/environ). */
export function storageOf(pid: number): { driver: string; url: string } {
  const env = new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
  )
  const driver = env.get('JIM_STORAGE_DRIVER') ?? 'sqlite'
  const url = env.get('JIM_STORAGE_URL') || join(env.get('JIM_DATA_DIR') ?? './data', 'jim.sqlite')
  return { driver, url }
}

const COLUMNS = ['conversation_id', 'seq', 'id', 'sender_id', 'client_msg_id', 'type', 'content', 'created_at', 'mod_seq'] as const
/** rows per transaction, and per multi-row statement */
const CHUNK = 20_000
const STATEMENT = { mysql: 1000, postgres: 5000 }

/** The default text of message `seq`. */
const historyText = (seq: number) => `history message ${seq}`

/** Rows of messages from … to-1 (seq) sent alternately by the senders, one ms apart. */
function rowsOf(
  conversationId: string,
  senders: string[],
  from: number,
  to: number,
  start: number,
  text: (seq: number) => string,
): unknown[][] {
  const rows: unknown[][] = []
  for (let seq = from; seq < to; seq++) {
    const at = start + seq
    rows.push([
      conversationId,
      seq,
      newId(at),
      senders[seq % senders.length],
      `h${seq}`,
      'text',
      JSON.stringify({ text: text(seq) }),
      at,
      0,
    ])
  }
  return rows
}

/** Runs `chunk(from, to)` over 1 … count in CHUNK-sized ranges, on `workers` parallel workers. */
async function chunked(count: number, workers: number, chunk: (from: number, to: number) => Promise<void>): Promise<void> {
  let next = 1
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next <= count) {
        const from = next
        next += CHUNK
        await chunk(from, Math.min(count + 1, from + CHUNK))
      }
    }),
  )
}

/**
 * Writes `count` text messages (seq 1 … count) into JIM's own tables of an empty conversation and
 * moves its counter (`last_seq`, `last_message_at`) to match, as if they had been sent: multi-row
 * inserts in transactions, parameterized. JIM must have created the schema and the conversation.
 */
export async function insertHistory(
  shape: Shape,
  storage: { url: string },
  o: { conversationId: string; senders: string[]; count: number; text?: (seq: number) => string },
): Promise<void> {
  const start = Date.now() - o.count - 1000
  const last = start + o.count
  const rows = (from: number, to: number) => rowsOf(o.conversationId, o.senders, from, to, start, o.text ?? historyText)
  if (shape === 'embedded') {
    const db = new SQLite(storage.url)
    db.pragma('busy_timeout = 10000')
    const insert = db.prepare(`INSERT INTO messages (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`)
    const inOneTransaction = db.transaction((batch: unknown[][]) => {
      for (const r of batch) insert.run(...r)
    })
    await chunked(o.count, 1, async (from, to) => void inOneTransaction(rows(from, to)))
    db.prepare('UPDATE conversations SET last_seq = ?, last_message_at = ? WHERE id = ?').run(o.count, last, o.conversationId)
    db.close()
    return
  }
  if (shape === 'mysql') {
    // a few connections on disjoint seq ranges: InnoDB inserts them in parallel
    const pool = mysql.createPool({ uri: storage.url, connectionLimit: 4 })
    try {
      await chunked(o.count, 4, async (from, to) => {
        const conn = await pool.getConnection()
        try {
          await conn.beginTransaction()
          for (let f = from; f < to; f += STATEMENT.mysql) {
            await conn.query(`INSERT INTO messages (${COLUMNS.join(', ')}) VALUES ?`, [rows(f, Math.min(to, f + STATEMENT.mysql))])
          }
          await conn.commit()
        } finally {
          conn.release()
        }
      })
      await pool.query('UPDATE conversations SET last_seq = ?, last_message_at = ? WHERE id = ?', [o.count, last, o.conversationId])
    } finally {
      await pool.end()
    }
    return
  }
  const pool = new pg.Pool({ connectionString: storage.url, max: 2 })
  try {
    const types = ['text', 'bigint', 'text', 'text', 'text', 'text', 'text', 'bigint', 'bigint']
    const insert = `INSERT INTO messages (${COLUMNS.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`
    await chunked(o.count, 2, async (from, to) => {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        for (let f = from; f < to; f += STATEMENT.postgres) {
          const batch = rows(f, Math.min(to, f + STATEMENT.postgres))
          await client.query(
            insert,
            COLUMNS.map((_, c) => batch.map((r) => r[c])),
          )
        }
        await client.query('COMMIT')
      } finally {
        client.release()
      }
    })
    await pool.query('UPDATE conversations SET last_seq = $1, last_message_at = $2 WHERE id = $3', [o.count, last, o.conversationId])
    // fresh statistics, as autovacuum would have made them by the time a conversation has 1M messages
    await pool.query('ANALYZE messages')
  } finally {
    await pool.end()
  }
}

/**
 * Lets the database and the server finish what a bulk insert left behind before anything is timed,
 * so a scenario measures a conversation that has 1M messages rather than the minute after they
 * were written in 30 s: PostgreSQL's VACUUM (autovacuum would run it on the new rows, in the middle
 * of the first timed page) and a CHECKPOINT, MariaDB's ANALYZE TABLE (InnoDB recalculates its
 * statistics in the background after 10 % of a table changed), and the given processes idle (the
 * server: SQLite's WAL checkpoints of the inserted rows run in its process), at most a minute.
 */
export async function settleAfterInsert(shape: Shape, storage: { url: string }, pids: number[]): Promise<void> {
  if (shape === 'postgres') {
    const client = new pg.Client({ connectionString: storage.url })
    await client.connect()
    try {
      await client.query('VACUUM ANALYZE messages')
      await client.query('CHECKPOINT')
    } finally {
      await client.end()
    }
  } else if (shape === 'mysql') {
    const conn = await mysql.createConnection({ uri: storage.url })
    try {
      await conn.query('ANALYZE TABLE messages')
    } finally {
      await conn.end()
    }
  }
  await waitIdle(pids, 0.05, 60_000)
}
