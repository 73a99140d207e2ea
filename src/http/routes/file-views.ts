import type { StoredFile } from '../../domain/files/file.js'
import { THUMBNAIL_MIME } from '../../domain/files/file.js'
import { toIso } from '../../shared/clock.js'

/** An uploaded file as the API shows it (upload answer). */
export function fileView(file: StoredFile) {
  return {
    fileId: file.id,
    kind: file.kind,
    mime: file.mime,
    size: file.size,
    name: file.name,
    sha256: file.sha256,
    ...(file.width !== null && file.height !== null ? { width: file.width, height: file.height } : {}),
    ...(file.durationMs !== null ? { durationMs: file.durationMs } : {}),
    ...(file.thumbnail ? { thumbnail: { ...file.thumbnail, mime: THUMBNAIL_MIME } } : {}),
    createdAt: toIso(file.createdAt)!,
  }
}

/**
 * `Content-Disposition` for a download: an ASCII fallback plus the UTF-8 name (RFC 6266 /
 * 5987). The name is display text only; quotes, backslashes and controls cannot break out.
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'file'
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
