/**
 * Connection-level failures of a backing service: the database (mysql2, pg, the pool) or Redis
 * is unreachable, so the request may succeed later (transports map it to 503 with Retry-After).
 * Here, not in the SQL store, so that transports classify errors without importing an adapter.
 */
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
      // a statement or a connection wait past its bound (store/sql/bounded-drivers.ts): the database hangs
      'JIM_DB_TIMEOUT',
    ].includes(e?.code ?? '') ||
    // (pg's connect timeout says "timeout expired")
    /Connection terminated|connect ECONNREFUSED|Pool is closed|Can't add new command when connection is in closed state|timeout exceeded when trying to connect|^timeout expired$/.test(
      e?.message ?? '',
    )
  )
}
