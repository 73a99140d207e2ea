import type { Logger } from 'pino'
import type { Mailer, MailMessage } from '../../domain/security/mailer.js'

/**
 * The default when no SMTP server is configured: each e-mail becomes one JSON log line
 * (`event: "email.logged"`, with the text and so the code). Fine on a developer's machine;
 * on a real server set JIM_SMTP_HOST, since anyone who reads the log could use the codes.
 */
export class LogMailer implements Mailer {
  readonly #logger: Logger

  constructor(logger: Logger) {
    this.#logger = logger
    logger.warn(
      { event: 'email.no_smtp' },
      'JIM_SMTP_HOST is not set: e-mail codes are written to this log instead of being sent (development only)',
    )
  }

  async send(message: MailMessage): Promise<void> {
    this.#logger.info({ event: 'email.logged', to: message.to, subject: message.subject, text: message.text }, 'e-mail (not sent: no SMTP)')
  }

  async close(): Promise<void> {}
}
