/** One plain-text e-mail. */
export interface MailMessage {
  to: string
  subject: string
  text: string
}

/** Sends e-mail. Rejects when the message could not be handed to the mail server. */
export interface Mailer {
  send(message: MailMessage): Promise<void>
  close(): Promise<void>
}
