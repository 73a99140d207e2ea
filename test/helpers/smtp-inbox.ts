import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  from: string
  to: string[]
  raw: string
}

/**
 * A real SMTP server in the test process (smtp-server): JIM's nodemailer transport delivers to
 * it over TCP, and tests read what arrived. No TLS, no authentication.
 */
export class SmtpInbox {
  readonly mails: ReceivedMail[] = []
  #server: SMTPServer
  #port = 0
  #waiters: Array<() => void> = []

  constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          this.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          })
          for (const w of this.#waiters.splice(0)) w()
          callback()
        })
      },
    })
  }

  get port(): number {
    return this.#port
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => {
      const server = this.#server.listen(0, '127.0.0.1', () => {
        this.#port = (server.address() as AddressInfo).port
        resolve()
      })
    })
    return this
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  /** Mails to `to` received so far. */
  to(to: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(to))
  }

  /** Waits for the `n`-th mail to `to` (1-based; default: the latest, at least one) and returns the code in it. */
  async codeFor(to: string, n?: number, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    while (this.to(to).length < (n ?? 1)) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no mail #${n ?? 1} to ${to} within ${timeoutMs} ms (got ${this.to(to).length})`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    const mail = n === undefined ? this.to(to).at(-1)! : this.to(to)[n - 1]!
    const match = /code: (\d{6})/.exec(mail.raw)
    if (!match) throw new Error(`no code in mail to ${to}:\n${mail.raw}`)
    return match[1]!
  }
}
