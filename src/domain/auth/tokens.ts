import { hash, randomBytes } from 'node:crypto'

/** A new opaque 256-bit session token, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** What the database stores instead of the token (one-shot hash: no Hash object per request). */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex')
}
