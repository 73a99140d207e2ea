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

/** JSON-lines logger (ELK-ready): one line per request and per business event. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
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
