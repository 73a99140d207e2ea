import type { Pool as MysqlPool, PoolConnection as MysqlPoolConnection } from 'mysql2'
import type pg from 'pg'
import { loadOnUse } from '../../shared/load-on-use.js'

/** MariaDB's and PostgreSQL's drivers, loaded when that dialect is used (never in an embedded server) */
export const mysqlDriver = loadOnUse<typeof import('mysql2')>('mysql2')
export const pgDriver = loadOnUse<typeof import('pg')>('pg')

/**
 * Bounds on every wait for a database that accepts connections but never answers (a hung
 * server, a black-holed network). A statement past its deadline fails with this error and its
 * connection is destroyed, never reused: the server rolls back whatever transaction it had
 * open, and no later query queues behind the lost one. The HTTP and WebSocket layers map it
 * (through `isConnectionError`) to 503 `service.unavailable` with Retry-After.
 */
export class DatabaseTimeoutError extends Error {
  override name = 'DatabaseTimeoutError'
  readonly code = 'JIM_DB_TIMEOUT'

  constructor(what: string, ms: number) {
    super(`the database did not answer ${what} within ${ms} ms`)
  }
}

export interface DriverTimeouts {
  /** opening a connection, or waiting for one from a busy pool */
  connectTimeoutMs: number
  /** one statement */
  queryTimeoutMs: number
}

/**
 * Settles like `work`, or rejects with DatabaseTimeoutError after `ms` and calls `onTimeout`
 * (which releases whatever `work` holds); a late outcome of `work` is then ignored.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new DatabaseTimeoutError(what, ms))
      onTimeout()
    }, ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err instanceof Error ? err : new Error(String(err)))
      },
    )
  })
}

/**
 * A pg Client whose promise queries (the form Kysely uses) are bounded: past the deadline its
 * socket is destroyed, so the pool discards it on release. Connecting and waiting for a pooled
 * client are bounded by the pool's `connectionTimeoutMillis`; the server also cancels a statement
 * itself after `statement_timeout` (set by the caller), which frees its locks.
 */
export function boundedPgClient(queryTimeoutMs: number): typeof pg.Client {
  class BoundedClient extends pgDriver().Client {
    // pg's query() has many overloads; only the promise form (no callback) is bounded here
    override query(...args: unknown[]): never {
      const result = (super.query as (...a: unknown[]) => unknown)(...args)
      if (!(result instanceof Promise)) return result as never
      const client = this as unknown as { connection: { stream: { destroy(): void } } }
      return withDeadline(result, queryTimeoutMs, 'a statement', () => client.connection.stream.destroy()) as never
    }
  }
  return BoundedClient
}

/**
 * The mysql2 pool as Kysely's MysqlDialect uses it (`getConnection`, `connection.query`,
 * `end`), with a deadline on taking a connection (mysql2 has none: `connectTimeout` only
 * covers the handshake) and on each statement (a timed-out statement's connection is destroyed).
 */
export function boundedMysqlPool(pool: MysqlPool, timeouts: DriverTimeouts): MysqlPool {
  const bounded = new WeakSet<MysqlPoolConnection>()
  const getConnection = (callback: (err: Error | null, connection?: MysqlPoolConnection) => void) => {
    let late = false
    const taken = new Promise<MysqlPoolConnection>((resolve, reject) =>
      pool.getConnection((err, connection) => {
        if (err) return reject(err)
        // the caller gave up waiting: give the connection back instead of leaking it
        if (late) return connection.release()
        resolve(connection)
      }),
    )
    withDeadline(taken, timeouts.connectTimeoutMs, 'a connection request', () => (late = true)).then(
      (connection) => {
        if (!bounded.has(connection)) boundQueries(connection, timeouts.queryTimeoutMs)
        bounded.add(connection)
        callback(null, connection)
      },
      (err: Error) => callback(err),
    )
  }
  return new Proxy(pool, {
    get: (target, prop, receiver) => (prop === 'getConnection' ? getConnection : Reflect.get(target, prop, receiver)),
  })
}

type QueryCallback = (err: Error | null, result?: unknown) => void

function boundQueries(connection: MysqlPoolConnection, ms: number): void {
  const query = connection.query.bind(connection) as (sql: string, values: unknown, callback?: QueryCallback) => unknown
  connection.query = ((sql: string, values: unknown, callback?: QueryCallback) => {
    // the streaming form (no callback) is not used on the serving path
    if (typeof callback !== 'function') return query(sql, values)
    const answered = new Promise((resolve, reject) => query(sql, values, (err, result) => (err ? reject(err) : resolve(result))))
    withDeadline(answered, ms, 'a statement', () => {
      connection.destroy()
      ;(connection as unknown as { stream?: { destroy(): void } }).stream?.destroy()
    }).then(
      (result) => callback(null, result),
      (err: Error) => callback(err),
    )
  }) as typeof connection.query
}
