import { pino, type Logger } from 'pino'

export type { Logger }

/** Fields that must never reach a log line, wherever they appear. */
const REDACT = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  '*.password',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
]

/**
 * JSON-lines logger (ELK-ready): one line per request and per business event. By default to
 * stdout without blocking: lines logged while a write is in flight go out together in the next
 * write (one syscall for many under load instead of one each); pino flushes what is left on exit.
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino(
    {
      level,
      base: { service: 'jim' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  )
}
