import { createHmac, timingSafeEqual } from 'node:crypto'

export type FileVariant = 'original' | 'thumbnail'

/**
 * Short-lived signatures for file URLs that browsers load without headers (<img>, <audio>):
 * HMAC-SHA256 with JIM_SECRET over (variant, file id, user id, expiry). A URL is useless
 * after its expiry and names the user it was made for, whose access is checked again on use.
 */
export class FileUrlSigner {
  readonly #secret: string

  constructor(secret: string) {
    this.#secret = secret
  }

  sign(variant: FileVariant, fileId: string, userId: string, expiresAtSeconds: number): string {
    return createHmac('sha256', this.#secret)
      .update(`jim.file-url.v1\n${variant}\n${fileId}\n${userId}\n${expiresAtSeconds}`)
      .digest('base64url')
  }

  /** Whether `sig` is ours for these values (constant time); the caller checks the expiry. */
  verify(variant: FileVariant, fileId: string, userId: string, expiresAtSeconds: number, sig: string): boolean {
    const expected = Buffer.from(this.sign(variant, fileId, userId, expiresAtSeconds))
    const given = Buffer.from(sig)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
}
