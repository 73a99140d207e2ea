/**
 * The SQL both chat baselines share (least-code and Socket.IO): one counter row per conversation
 * and one message table with UNIQUE (sender, client_msg_id). A send is ONE transaction: bump the
 * conversation's last_seq, insert the message; a retried clientMsgId gets the stored message back.
 * `BENCH_DB_URL`: sqlite:<file> | mysql://… | postgres://… (the database exists; tables are created).
 */
import Database from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'

export interface StoredMessage {
  id: string
  conversationId: string
  seq: number
  senderId: string
  clientMsgId: string
  content: unknown
  createdAt: number
}

export interface ChatStore {
  createConversation(a: string, b: string): Promise<string>
  /** the two members, cached: they never change */
  members(conversationId: string): Promise<[string, string] | undefined>
  send(
    conversationId: string,
    senderId: string,
    clientMsgId: string,
    content: unknown,
  ): Promise<{ message: StoredMessage; created: boolean }>
  close(): Promise<void>
}

const row = (
  conversationId: string,
  seq: number,
  senderId: string,
  clientMsgId: string,
  content: unknown,
  createdAt: number,
): StoredMessage => ({
  id: `${conversationId}:${seq}`,
  conversationId,
  seq,
  senderId,
  clientMsgId,
  content,
  createdAt,
})

const fromDb = (r: any): StoredMessage =>
  row(String(r.conversation_id), Number(r.seq), r.sender_id, r.client_msg_id, JSON.parse(r.content), Number(r.created_at))

const TABLES = (id: string) => [
  `CREATE TABLE IF NOT EXISTS conversations (id ${id}, user_a VARCHAR(64) NOT NULL, user_b VARCHAR(64) NOT NULL, last_seq BIGINT NOT NULL DEFAULT 0)`,
  `CREATE TABLE IF NOT EXISTS messages (conversation_id BIGINT NOT NULL, seq BIGINT NOT NULL, sender_id VARCHAR(64) NOT NULL,
     client_msg_id VARCHAR(64) NOT NULL, content TEXT NOT NULL, created_at BIGINT NOT NULL,
     PRIMARY KEY (conversation_id, seq), UNIQUE (sender_id, client_msg_id))`,
]

export async function openChatStore(url: string): Promise<ChatStore> {
  const cache = new Map<string, [string, string]>()
  const store = url.startsWith('sqlite:')
    ? sqliteStore(url.slice(7))
    : url.startsWith('mysql:')
      ? await mysqlStore(url)
      : await pgStore(url)
  return {
    ...store,
    async members(id) {
      let m = cache.get(id)
      if (!m) {
        m = await store.loadMembers(id)
        if (m) cache.set(id, m)
      }
      return m
    },
  }
}

type Backend = Omit<ChatStore, 'members'> & { loadMembers(id: string): Promise<[string, string] | undefined> }

class NotFound extends Error {}

function sqliteStore(file: string): Backend {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  for (const sql of TABLES('INTEGER PRIMARY KEY')) db.exec(sql)
  const bump = db.prepare('UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq')
  const insert = db.prepare('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)')
  const existing = db.prepare('SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?')
  const send = db.transaction((conv: string, sender: string, cmid: string, content: unknown, now: number) => {
    const bumped = bump.get(conv) as { last_seq: number } | undefined
    if (!bumped) throw new NotFound()
    insert.run(conv, bumped.last_seq, sender, cmid, JSON.stringify(content), now)
    return row(conv, bumped.last_seq, sender, cmid, content, now)
  })
  return {
    async createConversation(a, b) {
      return String(db.prepare('INSERT INTO conversations (user_a, user_b) VALUES (?, ?)').run(a, b).lastInsertRowid)
    },
    async loadMembers(id) {
      const r = db.prepare('SELECT user_a, user_b FROM conversations WHERE id = ?').get(id) as any
      return r ? [r.user_a, r.user_b] : undefined
    },
    async send(conv, sender, cmid, content) {
      try {
        return { message: send(conv, sender, cmid, content, Date.now()), created: true }
      } catch (err: any) {
        if (!String(err?.code).startsWith('SQLITE_CONSTRAINT')) throw err
        return { message: fromDb(existing.get(sender, cmid)), created: false }
      }
    },
    async close() {
      db.close()
    },
  }
}

async function mysqlStore(url: string): Promise<Backend> {
  const pool = mysql.createPool({ uri: url, connectionLimit: 20 })
  for (const sql of TABLES('BIGINT AUTO_INCREMENT PRIMARY KEY')) await pool.query(sql)
  return {
    async createConversation(a, b) {
      const [r] = await pool.execute<mysql.ResultSetHeader>('INSERT INTO conversations (user_a, user_b) VALUES (?, ?)', [a, b])
      return String(r.insertId)
    },
    async loadMembers(id) {
      const [rows] = await pool.execute<mysql.RowDataPacket[]>('SELECT user_a, user_b FROM conversations WHERE id = ?', [id])
      return rows[0] ? [rows[0].user_a, rows[0].user_b] : undefined
    },
    async send(conv, sender, cmid, content) {
      const conn = await pool.getConnection()
      const now = Date.now()
      try {
        await conn.query('START TRANSACTION')
        // LAST_INSERT_ID(expr) hands the new counter back without a second statement
        const [bumped] = await conn.execute<mysql.ResultSetHeader>(
          'UPDATE conversations SET last_seq = LAST_INSERT_ID(last_seq + 1) WHERE id = ?',
          [conv],
        )
        if (bumped.affectedRows === 0) throw new NotFound()
        await conn.execute('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)', [
          conv,
          bumped.insertId,
          sender,
          cmid,
          JSON.stringify(content),
          now,
        ])
        await conn.query('COMMIT')
        return { message: row(conv, bumped.insertId, sender, cmid, content, now), created: true }
      } catch (err: any) {
        await conn.query('ROLLBACK')
        if (err?.errno !== 1062) throw err
        const [rows] = await pool.execute<mysql.RowDataPacket[]>('SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?', [
          sender,
          cmid,
        ])
        return { message: fromDb(rows[0]), created: false }
      } finally {
        conn.release()
      }
    },
    close: () => pool.end(),
  }
}

async function pgStore(url: string): Promise<Backend> {
  const pool = new pg.Pool({ connectionString: url, max: 20 })
  for (const sql of TABLES('BIGSERIAL PRIMARY KEY')) await pool.query(sql)
  return {
    async createConversation(a, b) {
      const r = await pool.query('INSERT INTO conversations (user_a, user_b) VALUES ($1, $2) RETURNING id', [a, b])
      return String(r.rows[0].id)
    },
    async loadMembers(id) {
      const r = await pool.query('SELECT user_a, user_b FROM conversations WHERE id = $1', [id])
      return r.rows[0] ? [r.rows[0].user_a, r.rows[0].user_b] : undefined
    },
    async send(conv, sender, cmid, content) {
      const client = await pool.connect()
      const now = Date.now()
      try {
        await client.query('BEGIN')
        const bumped = await client.query('UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq', [conv])
        if (!bumped.rows[0]) throw new NotFound()
        const seq = Number(bumped.rows[0].last_seq)
        await client.query('INSERT INTO messages VALUES ($1, $2, $3, $4, $5, $6)', [conv, seq, sender, cmid, JSON.stringify(content), now])
        await client.query('COMMIT')
        return { message: row(conv, seq, sender, cmid, content, now), created: true }
      } catch (err: any) {
        await client.query('ROLLBACK')
        if (err?.code !== '23505') throw err
        const r = await pool.query('SELECT * FROM messages WHERE sender_id = $1 AND client_msg_id = $2', [sender, cmid])
        return { message: fromDb(r.rows[0]), created: false }
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
  }
}

/** Checks a send: the sender must be a member; the body needs clientMsgId and content. */
export async function validateSend(
  store: ChatStore,
  conversationId: string,
  senderId: string,
  body: any,
): Promise<{ recipient: string } | { status: number; code: string }> {
  if (typeof body?.clientMsgId !== 'string' || body.content === undefined) return { status: 400, code: 'request.invalid' }
  const members = await store.members(conversationId)
  if (!members || !members.includes(senderId)) return { status: 404, code: 'conversation.not_found' }
  return { recipient: members[0] === senderId ? members[1] : members[0] }
}
