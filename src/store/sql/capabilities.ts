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
  /**
   * How message search finds substrings (see search-sql.ts): SQLite an FTS5 trigram table kept by
   * triggers, PostgreSQL a pg_trgm GIN index on the searchable text, MySQL/MariaDB a LIKE scan of the
   * visible messages (no built-in index finds Chinese substrings there).
   */
  readonly textSearch: 'fts5_trigram' | 'pg_trgm' | 'like_scan'
  /** An index can cover only the rows matching a WHERE (SQLite, PostgreSQL; not MariaDB/MySQL). */
  readonly partialIndexes: boolean
  /** The largest and smallest of several values: SQLite's many-argument `max`/`min`, else `GREATEST`/`LEAST`. */
  readonly greatest: 'max' | 'GREATEST'
  readonly least: 'min' | 'LEAST'
}

export function capabilitiesFor(dialect: Capabilities['dialect']): Capabilities {
  return {
    dialect,
    tableOptions: dialect === 'mysql' ? (b) => b.modifyEnd(sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`) : (b) => b,
    insertOrIgnore: dialect === 'mysql' ? 'insert_ignore' : 'on_conflict',
    supportsReturning: dialect !== 'mysql',
    singleWriter: dialect === 'sqlite',
    blobType: dialect === 'mysql' ? 'longblob' : dialect === 'postgres' ? 'bytea' : 'blob',
    textSearch: dialect === 'sqlite' ? 'fts5_trigram' : dialect === 'postgres' ? 'pg_trgm' : 'like_scan',
    partialIndexes: dialect !== 'mysql',
    greatest: dialect === 'sqlite' ? 'max' : 'GREATEST',
    least: dialect === 'sqlite' ? 'min' : 'LEAST',
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
