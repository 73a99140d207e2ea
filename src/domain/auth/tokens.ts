import { createHash, randomBytes } from 'node:crypto'

/** A new opaque 256-bit session token, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** What the database stores instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
