/** What an upload is for; each kind has its own size limit and message type. */
export const FILE_KINDS = ['image', 'file', 'voice', 'video'] as const
export type FileKind = (typeof FILE_KINDS)[number]

/** Raster formats that are decoded, re-encoded (metadata stripped) and thumbnailed. */
export const IMAGE_MIMES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const

/** Thumbnails are always WebP. */
export const THUMBNAIL_MIME = 'image/webp'

/** Where a file is used; a file with no refs is collected a day after its upload. */
export type FileRefKind = 'message' | 'avatar' | 'group_avatar'

/** An uploaded file's metadata. The bytes live in the FileStore under `id` (and `thumbnailKey(id)`). */
export interface StoredFile {
  id: string
  ownerId: string
  kind: FileKind
  /** sniffed from the bytes; `application/octet-stream` for anything unknown or unsafe to label (SVG, HTML...) */
  mime: string
  size: number
  sha256: string
  /** the uploader's file name, cleaned, for display only: never used as a path */
  name: string
  width: number | null
  height: number | null
  durationMs: number | null
  thumbnail: { width: number; height: number } | null
  createdAt: number
}

/** The FileStore key of a file's thumbnail. */
export function thumbnailKey(fileId: string): string {
  return `${fileId}.thumb`
}
