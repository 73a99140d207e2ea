import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import SQLite from 'better-sqlite3'
import {
  CompiledQuery,
  DEFAULT_MIGRATION_TABLE,
  Kysely,
  Migrator,
  sql,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  type Dialect,
} from 'kysely'
import type pg from 'pg'
import type { Config } from '../../config/config.js'
import { boundedMysqlPool, boundedPgClient, mysqlDriver, pgDriver } from './bounded-drivers.js'
import { capabilitiesFor, type Capabilities } from './capabilities.js'
import type { Database } from './db-schema.js'
import { migrations } from './migrations/index.js'
import { checkpointOffThread } from './sqlite-checkpointer.js'

export interface SqlDatabase {
  db: Kysely<Database>
  caps: Capabilities
  /** SQLite: the one connection Kysely uses (opened on first query), for the send path's prepared statements */
  sqlite: (() => SQLite.Database | null) | null
}

/**
 * Where the database is and how long to wait for it. Without the timeouts (migrations, CLI
 * tools, tests) nothing is bounded beyond the drivers' defaults; the server passes both.
 */
export interface DatabaseSettings {
  storage: Pick<Config['storage'], 'driver' | 'url' | 'poolSize'> & Partial<Pick<Config['storage'], 'connectTimeoutMs' | 'queryTimeoutMs'>>
  dataDir: string
}

/** The settings without statement deadlines: migrations and bulk copies may run long. */
export function unbounded(config: DatabaseSettings): DatabaseSettings {
  const { driver, url, poolSize, connectTimeoutMs } = config.storage
  return { dataDir: config.dataDir, storage: { driver, url, poolSize, connectTimeoutMs } }
}

/** Connecting to the server to create or drop a database, when no timeout is configured. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** SQLite's busy timeout when none is configured: a CLI command may hold the write lock briefly. */
const SQLITE_BUSY_TIMEOUT_MS = 5000

/** The URL-or-path SQLite uses: `storage.url` if set, else `<dataDir>/jim.sqlite`. */
export function sqliteFile(config: DatabaseSettings): string {
  return config.storage.url || join(config.dataDir, 'jim.sqlite')
}

/** Opens a connection pool for the configured dialect. Does not migrate. */
export function openDatabase(config: DatabaseSettings): SqlDatabase {
  const caps = capabilitiesFor(config.storage.driver)
  let connection: SQLite.Database | null = null
  const db = new Kysely<Database>({ dialect: createDialect(config, (c) => (connection = c)) })
  return { db, caps, sqlite: caps.dialect === 'sqlite' ? () => connection : null }
}

/**
 * The Kysely dialect for the configured driver (opens nothing until first used); `onSqliteOpen`
 * receives SQLite's one connection when it opens.
 */
export function createDialect(config: DatabaseSettings, onSqliteOpen: (db: SQLite.Database) => void = () => {}): Dialect {
  const { driver, url, poolSize, connectTimeoutMs, queryTimeoutMs } = config.storage
  switch (driver) {
    case 'sqlite': {
      const file = sqliteFile(config)
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
      return new SqliteDialect({
        database: async () => {
          const db = new SQLite(file)
          db.pragma('journal_mode = WAL')
          db.pragma('synchronous = NORMAL')
          // a CLI command may hold the write lock briefly: wait (boundedly) instead of failing
          db.pragma(`busy_timeout = ${Math.floor(queryTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS)}`)
          db.pragma('foreign_keys = OFF')
          checkpointOffThread(db, file)
          onSqliteOpen(db)
          return withStatementCache(db)
        },
      })
    }
    case 'mysql':
      return new MysqlDialect({
        pool: async () => {
          const pool = mysqlDriver().createPool({
            uri: url.replace(/^mariadb:/, 'mysql:'),
            connectionLimit: poolSize,
            charset: 'utf8mb4_bin',
            supportBigNumbers: true,
            bigNumberStrings: false,
            enableKeepAlive: true,
            ...(connectTimeoutMs ? { connectTimeout: connectTimeoutMs } : {}),
          })
          return queryTimeoutMs && connectTimeoutMs ? boundedMysqlPool(pool, { connectTimeoutMs, queryTimeoutMs }) : pool
        },
        onCreateConnection: async (conn) => {
          // seq counters are locked rows; READ COMMITTED avoids gap locks and reads fresh rows
          await conn.executeQuery(CompiledQuery.raw('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'))
          await conn.executeQuery(CompiledQuery.raw("SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')"))
        },
      })
    case 'postgres':
      return new PostgresDialect({
        pool: withIdleErrorHandler(
          new (pgDriver().Pool)({
            connectionString: url,
            max: poolSize,
            // bounds on a database that accepts connections but never answers (see bounded-drivers.ts)
            ...(connectTimeoutMs ? { connectionTimeoutMillis: connectTimeoutMs } : {}),
            ...(queryTimeoutMs ? { Client: boundedPgClient(queryTimeoutMs), statement_timeout: queryTimeoutMs } : {}),
            keepAlive: true,
            // int8 (BIGINT, COUNT) arrives as a string; our values stay below 2^53
            types: {
              getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
                oid === 20
                  ? (v: string) => Number(v)
                  : pgDriver().types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
            },
          }),
        ),
      })
  }
}

/**
 * Kysely prepares every query afresh; on a file database with our schema a prepare costs
 * ~0.2 ms, an execution ~0.01 ms. Reusing prepared statements by SQL text (bounded, LRU)
 * removes most of the per-query cost. SQLite re-prepares a cached statement by itself if
 * the schema changes.
 */
function withStatementCache(db: SQLite.Database, max = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>()
  const prepare = db.prepare.bind(db)
  db.prepare = ((source: string) => {
    let stmt = cache.get(source)
    if (stmt) {
      cache.delete(source)
    } else {
      stmt = prepare(source)
      if (cache.size >= max) cache.delete(cache.keys().next().value!)
    }
    cache.set(source, stmt)
    return stmt
  }) as typeof db.prepare
  return db
}

/**
 * A pooled PostgreSQL client whose server connection drops (database restart, network cut)
 * emits `error` (on the pool when idle, on itself when checked out); unhandled, that would
 * crash the process. The pool already
 * discards the client and the next query opens a new connection (or fails with a connection
 * error, which the HTTP layer maps to 503), so there is nothing more to do here.
 */
function withIdleErrorHandler(pool: pg.Pool): pg.Pool {
  pool.on('error', () => {})
  // a client checked out between two queries of a transaction has no pool listener: its
  // in-flight or next query fails with the connection error instead
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

function migratorFor({ db, caps }: SqlDatabase): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations(caps) } })
}

/**
 * Runs pending migrations; safe when several instances start at once (kysely's lock table).
 * A database already migrated by the next version (a rolling upgrade, or a rollback of one
 * instance) is left alone: migrations are expand-then-contract, so this build still runs on it.
 */
export async function migrateToLatest(database: SqlDatabase): Promise<string[]> {
  const status = await migrationStatus(database)
  if (status.newer.length) {
    if (status.pending.length)
      throw new Error(
        `the database has migrations of a newer JIM (${status.newer.join(', ')}) but lacks ${status.pending.join(', ')}: upgrade this instance`,
      )
    return []
  }
  const { error, results } = await migratorFor(database).migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

export interface MigrationStatus {
  /** this build's migrations the database has applied, in order */
  applied: string[]
  /** this build's migrations the database lacks */
  pending: string[]
  /** migrations the database has that this build does not know (applied by a newer JIM) */
  newer: string[]
}

/** Compares the database's applied migrations with this build's list; changes nothing. */
export async function migrationStatus(database: SqlDatabase): Promise<MigrationStatus> {
  const known = Object.keys(migrations(database.caps))
  const done = new Set(await appliedMigrations(database.db))
  return {
    applied: known.filter((n) => done.has(n)),
    pending: known.filter((n) => !done.has(n)),
    newer: [...done].filter((n) => !known.includes(n)).sort(),
  }
}

/** This build's newest migration, and a reader of the database's newest one (null when unreachable). */
export function schemaVersions({ db, caps }: SqlDatabase): { code: string; database: () => Promise<string | null> } {
  return {
    code: Object.keys(migrations(caps)).at(-1)!,
    database: async () => {
      try {
        const { rows } = await sql<{ name: string | null }>`SELECT MAX(name) AS name FROM ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db)
        return rows[0]?.name ?? null
      } catch {
        return null
      }
    },
  }
}

/** Names in kysely's migration table; none when it does not exist yet (a new database). */
export async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true })
  if (!tables.some((t) => t.name === DEFAULT_MIGRATION_TABLE)) return []
  const { rows } = await sql<{ name: string }>`SELECT name FROM ${sql.table(DEFAULT_MIGRATION_TABLE)} ORDER BY name`.execute(db)
  return rows.map((r) => r.name)
}

/**
 * Creates the database named in a mysql/postgres URL if it does not exist yet, so a new
 * operator (and each test run) can point JIM at a fresh name. No-op for SQLite.
 */
export async function ensureDatabaseExists(config: Pick<DatabaseSettings, 'storage'>): Promise<void> {
  await onServer(config, true, {
    mysql: (name) => `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    // PostgreSQL has no CREATE DATABASE IF NOT EXISTS: look first, and when instances starting
    // together race, the losers' "already exists" (42P04, or 23505 on pg_database) is success
    postgres: async (name, query) => {
      const found = await query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
      if (found.rowCount !== 0) return
      try {
        await query(`CREATE DATABASE "${name}"`)
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code !== '42P04' && code !== '23505') throw err
      }
    },
  })
}

/** Drops a database created by `ensureDatabaseExists` (tests clean up with this). */
export async function dropDatabase(config: Pick<DatabaseSettings, 'storage'>): Promise<void> {
  await onServer(config, false, {
    mysql: (name) => `DROP DATABASE IF EXISTS \`${name}\``,
    postgres: async (name, query) => {
      await query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    },
  })
}

/**
 * Runs a statement about the URL's database on its server, connected without it (MySQL:
 * no database; PostgreSQL: the `postgres` database). The name is checked against a strict
 * pattern first, since identifiers cannot be bound as parameters.
 */
async function onServer(
  config: Pick<DatabaseSettings, 'storage'>,
  strict: boolean,
  statements: {
    mysql: (name: string) => string
    postgres: (name: string, query: (text: string, values?: unknown[]) => Promise<{ rowCount: number | null }>) => Promise<void>
  },
): Promise<void> {
  const { driver, url } = config.storage
  if (driver === 'sqlite') return
  // an unreachable or hung server at start must end startup, not hang it
  const connectTimeout = config.storage.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const parsed = new URL(url.replace(/^mariadb:/, 'mysql:'))
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (!/^[A-Za-z0-9_]{1,63}$/.test(name)) {
    if (strict) throw new Error(`JIM_STORAGE_URL: database name must match [A-Za-z0-9_]: ${name}`)
    return
  }
  if (driver === 'mysql') {
    parsed.pathname = '/'
    const pool = mysqlDriver().createPool({ uri: parsed.toString(), connectionLimit: 1, connectTimeout }).promise()
    try {
      await pool.query(statements.mysql(name))
    } finally {
      await pool.end()
    }
    return
  }
  parsed.pathname = '/postgres'
  const client = new (pgDriver().Client)({
    connectionString: parsed.toString(),
    connectionTimeoutMillis: connectTimeout,
    query_timeout: connectTimeout,
  })
  await client.connect()
  try {
    await statements.postgres(name, (text, values) => client.query(text, values))
  } finally {
    await client.end()
  }
}
