import { sql, type CreateTableBuilder } from 'kysely'

/**
 * What differs between the three SQL dialects, in one object, so repositories never branch
 * on a dialect name (kysely's adapters do the same with `supportsReturning`).
 */
export interface Capabilities {
  readonly dialect: 'sqlite' | 'mysql' | 'postgres'
  /** Adds dialect table options (MySQL: InnoDB, utf8mb4 with a binary collation). */
  tableOptions<T extends string, C extends string>(builder: CreateTableBuilder<T, C>): CreateTableBuilder<T, C>
  /** Whether INSERT ... ON CONFLICT DO NOTHING is the insert-or-ignore form (else INSERT IGNORE). */
  readonly insertOrIgnore: 'on_conflict' | 'insert_ignore'
  /** Whether UPDATE ... RETURNING is available (MySQL has none). */
  readonly supportsReturning: boolean
  /** SQLite serializes writers: a transaction that will write starts with BEGIN IMMEDIATE. */
  readonly singleWriter: boolean
  /** Column type for binary data (file bytes): sqlite `blob`, mysql `longblob`, postgres `bytea`. */
  readonly blobType: 'blob' | 'longblob' | 'bytea'
}

export function capabilitiesFor(dialect: Capabilities['dialect']): Capabilities {
  return {
    dialect,
    tableOptions: dialect === 'mysql' ? (b) => b.modifyEnd(sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`) : (b) => b,
    insertOrIgnore: dialect === 'mysql' ? 'insert_ignore' : 'on_conflict',
    supportsReturning: dialect !== 'mysql',
    singleWriter: dialect === 'sqlite',
    blobType: dialect === 'mysql' ? 'longblob' : dialect === 'postgres' ? 'bytea' : 'blob',
  }
}

/** Errors worth retrying the whole transaction for: deadlocks, serialization failures, busy. */
export function isTransientDbError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number }
  return (
    e?.code === 'ER_LOCK_DEADLOCK' ||
    e?.code === 'ER_LOCK_WAIT_TIMEOUT' ||
    e?.code === '40001' ||
    e?.code === '40P01' ||
    (typeof e?.code === 'string' && e.code.startsWith('SQLITE_BUSY'))
  )
}

/** Unique-key violations, for insert races that lost. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string }
  return (
    e?.code === 'ER_DUP_ENTRY' ||
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
}

/** Connection-level failures: the database is unreachable (mapped to 503). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  return (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'PROTOCOL_CONNECTION_LOST',
      '57P01',
      '57P03',
      '08006',
      '08001',
      // network gone or host unknown, server shutting down or out of connections: all "try again later"
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ENOTFOUND',
      'EAI_AGAIN',
      'PROTOCOL_SEQUENCE_TIMEOUT',
      'ER_CON_COUNT_ERROR',
      '57P02',
      '53300',
      '08003',
      '08004',
      // a statement or a connection wait past its bound (bounded-drivers.ts): the database hangs
      'JIM_DB_TIMEOUT',
    ].includes(e?.code ?? '') ||
    // (pg's connect timeout says "timeout expired")
    /Connection terminated|connect ECONNREFUSED|Pool is closed|Can't add new command when connection is in closed state|timeout exceeded when trying to connect|^timeout expired$/.test(
      e?.message ?? '',
    )
  )
}
