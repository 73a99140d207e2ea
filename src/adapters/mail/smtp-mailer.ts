import nodemailer, { type Transporter } from 'nodemailer'
import type { Mailer, MailMessage } from '../../domain/security/mailer.js'

export interface SmtpSettings {
  host: string
  port: number
  /** TLS from the first byte (465); otherwise STARTTLS when the server offers it */
  secure: boolean
  user: string
  password: string
  from: string
}

/** Sends through an SMTP server (nodemailer, pooled connections). */
export class SmtpMailer implements Mailer {
  readonly #transport: Transporter
  readonly #from: string

  constructor(settings: SmtpSettings) {
    this.#from = settings.from
    this.#transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      auth: settings.user ? { user: settings.user, pass: settings.password } : undefined,
      pool: true,
      maxConnections: 3,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    })
  }

  async send(message: MailMessage): Promise<void> {
    await this.#transport.sendMail({ from: this.#from, to: message.to, subject: message.subject, text: message.text })
  }

  async close(): Promise<void> {
    this.#transport.close()
  }
}
