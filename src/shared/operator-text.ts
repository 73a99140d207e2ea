/** A connection URL with its password masked, for messages and logs (`redis://u:***@host`). */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@')
}

/**
 * An error as one line for an operator: its message, or (drivers throw an AggregateError with an
 * empty message when every address of a host refused) its first inner error's, or its code.
 */
export function oneLine(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: unknown[] } | null
  const text = e?.message || (e?.errors?.length ? oneLine(e.errors[0]) : '') || e?.code || String(err)
  return text.replace(/\s*\n\s*/g, ' ')
}
