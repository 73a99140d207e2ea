import { fileTypeFromBuffer } from 'file-type'
import { IMAGE_MIMES } from './file.js'

/** Labels we serve as they are; anything else is served as `application/octet-stream`. */
const LABELLED = new Set([
  ...IMAGE_MIMES,
  'application/pdf',
  'application/zip',
  'application/gzip',
  'application/x-7z-compressed',
  'application/x-tar',
  'application/x-rar-compressed',
])

export const OCTET_STREAM = 'application/octet-stream'

/**
 * The type of `bytes`, from the bytes alone (file-type's magic numbers), never from the
 * name or the client's Content-Type. Text formats have no magic number: SVG, HTML,
 * scripts and plain text all come back as `application/octet-stream`, so none of them
 * can ever be served with a type a browser would render. Audio and video keep their type
 * (they play in <audio>/<video>, and run no script).
 */
export async function sniffMime(bytes: Uint8Array): Promise<string> {
  const found = await fileTypeFromBuffer(bytes)
  if (!found) return OCTET_STREAM
  const mime = found.mime as string
  if (LABELLED.has(mime) || /^(audio|video)\/[a-z0-9.+-]+$/.test(mime)) return mime
  return OCTET_STREAM
}

export function isImageMime(mime: string): boolean {
  return (IMAGE_MIMES as readonly string[]).includes(mime)
}

/** Whether these first bytes start an ISO base media file (an `ftyp` box first). */
export function isIsoBmff(head: Buffer): boolean {
  return head.length >= 12 && head.toString('latin1', 4, 8) === 'ftyp'
}

/** Whether these first bytes start an EBML document (Matroska, WebM). */
export function isMatroska(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3
}
