import { pino, type Logger } from 'pino'

export type { Logger }

const CENSOR = '[redacted]'

/** Fields that must never reach a log line: at the top level (pino's redaction, per key)... */
const REDACT = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
]
/** ...and one level down, in any top-level object (`*.password`, `*.token`), by `censorNested`. */
const NESTED = ['password', 'token'] as const

/**
 * `*.password` / `*.token` without pino's wildcard redaction: a wildcard path sends every value
 * of every line through the redactor (which clones and serializes it), ~12 KiB of garbage per
 * message on the send path (bench/profiles/send-path.md, "allocations"). Here a line whose
 * values are all primitives (the request and business-event lines) costs one loop and no
 * allocation; an object value carrying a secret is copied with the secret censored (the
 * caller's object is never changed).
 */
function censorNested(obj: Record<string, unknown>): Record<string, unknown> {
  let out = obj
  for (const key in obj) {
    const value = obj[key]
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue
    const inner = value as Record<string, unknown>
    if (!NESTED.some((k) => Object.hasOwn(inner, k))) continue
    // an Error keeps its class, message and stack (inherited) for pino's err serializer
    const censored: Record<string, unknown> = value instanceof Error ? Object.create(value) : { ...inner }
    for (const k of NESTED) if (Object.hasOwn(inner, k)) censored[k] = CENSOR
    if (out === obj) out = { ...obj }
    out[key] = censored
  }
  return out
}

/**
 * JSON-lines logger (ELK-ready): one line per request and per business event. By default to
 * stdout without blocking: lines logged while a write is in flight go out together in the next
 * write (one syscall for many under load instead of one each); pino flushes what is left on exit.
 */
export function createLogger(
  level: string,
  // maxWrite: sonic-boom appends each line to its last pending string and measures that string's
  // UTF-8 length (flattening it) on every line, so lines waiting behind a write in flight cost
  // O(pending bytes) each: 4 KiB chunks instead of the default 16 KiB bound that (and a write
  // still carries many lines)
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false, maxWrite: 4096 }),
): Logger {
  return pino(
    {
      level,
      base: { service: 'jim' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: CENSOR },
      formatters: { level: (label) => ({ level: label }), log: censorNested },
    },
    destination,
  )
}
