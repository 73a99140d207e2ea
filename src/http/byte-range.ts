import type { ByteRange } from '../domain/files/file-store.js'

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/

/**
 * The one byte range asked for by a `Range` header (RFC 9110 §14), against a file of `size`
 * bytes: a range clamped to the file, `unsatisfiable` (answer 416), or null to send the
 * whole file (no header, another unit, several ranges or a malformed one: servers may
 * ignore those). Forms: `bytes=0-99`, `bytes=100-` and the suffix `bytes=-500`.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === undefined) return null
  const m = SINGLE_RANGE.exec(header.trim())
  if (!m) return null
  const [, first, last] = m as unknown as [string, string, string]
  if (first === '' && last === '') return null
  if (first === '') {
    // the last N bytes
    const n = Number(last)
    if (n === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last)
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return null
  if (start >= size) return 'unsatisfiable'
  return { start, end: Math.min(end, size - 1) }
}
