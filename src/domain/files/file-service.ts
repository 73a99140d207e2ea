import type { Config } from '../../config/config.js'
import type { Logger } from 'pino'
import type { Clock } from '../../shared/clock.js'
import { isId, newId } from '../../shared/ids.js'
import type { FileRecordStore } from './file-record-store.js'
import type { Readable } from 'node:stream'
import type { ByteRange, FileStore } from './file-store.js'
import { cleanDisplayText } from '../display-text.js'
import { AppError } from '../errors.js'
import { attachAvatar } from './avatar-refs.js'
import { FILE_KINDS, IMAGE_MIMES, THUMBNAIL_MIME, thumbnailKey, type FileKind, type StoredFile } from './file.js'
import { FileUrlSigner, type FileVariant } from './file-url-signer.js'
import type { MediaProcessor } from './media-processor.js'
import { isImageMime, isIsoBmff, isMatroska, sniffMime } from './sniff.js'
import { UploadGate } from './upload-gate.js'
import type { SpooledUpload, UploadSpool } from './upload-spool.js'

/** The `files.*` limits of the configuration (sizes, pixels, thumbnail, URL and sweep times). */
export type FileLimits = Omit<Config['files'], 'driver' | 'sharedDir' | 'tempDir'>

export interface FileServiceDeps {
  records: FileRecordStore
  bytes: FileStore
  /** temporary files of uploads in flight */
  spool: UploadSpool
  /** image re-encoding and container metadata scrubbing */
  media: MediaProcessor
  clock: Clock
  logger: Logger
  secret: string
  limits: FileLimits
}

export interface UploadInput {
  /** the bytes, already received into a temporary file (see `receive`) */
  spooled: SpooledUpload
  /** the client's file name: cleaned and kept for display only */
  name: string
  /** what the upload is for; default `image` for JPEG/PNG/WebP/GIF bytes, else `file` */
  kind?: FileKind
  /** voice/video: the client-measured length (clamped) */
  durationMs?: number
}

/** A file ready to send: what to say about it, and how to stream its bytes. */
export interface ServedFile {
  file: StoredFile
  mime: string
  /** true only for images we re-encoded (and thumbnails); everything else is an attachment */
  inline: boolean
  /** bytes of this variant, known without reading them (HEAD and Range are answered from it) */
  size: number
  /** a strong validator: stored bytes never change under a key */
  etag: string
  /** streams the bytes, or the `range` of them (checked against `size` by the caller) */
  open(range?: ByteRange): Promise<Readable>
}

/** Slowest plausible encodings, in bytes per second: a duration longer than size / rate is clamped. */
const MIN_BYTES_PER_SECOND = { voice: 500, video: 2_000 } as const
/** Longest duration accepted per kind. */
const MAX_DURATION_MS = { voice: 30 * 60_000, video: 6 * 3600_000 } as const
const SWEEP_BATCH = 200
/** temporary upload files older than this are leftovers of a crash */
const STALE_TEMP_MS = 6 * 3600_000

/**
 * Uploads, access and serving of files. Bytes go to the FileStore (local or sql), metadata
 * and refs to the FileRecordStore; refs decide who may download (see FileRecordStore.canRead)
 * and which uploads are collected a day after upload when nothing uses them.
 */
export class FileService {
  readonly #d: FileServiceDeps
  readonly #signer: FileUrlSigner
  readonly #gate: UploadGate

  constructor(deps: FileServiceDeps) {
    this.#d = deps
    this.#signer = new FileUrlSigner(deps.secret)
    this.#gate = new UploadGate({
      maxConcurrentPerUser: deps.limits.maxConcurrentUploadsPerUser,
      maxConcurrent: deps.limits.maxConcurrentUploads,
      quotaBytesPerUser: deps.limits.quotaBytesPerUser,
    })
  }

  /** The size limit of a kind; without a kind (to be sniffed), the larger of image and file. */
  maxBytes(kind?: FileKind): number {
    const l = this.#d.limits
    switch (kind) {
      case 'image':
        return l.maxImageBytes
      case 'file':
        return l.maxFileBytes
      case 'voice':
        return l.maxVoiceBytes
      case 'video':
        return l.maxVideoBytes
      case undefined:
        return Math.max(l.maxImageBytes, l.maxFileBytes)
    }
  }

  /** The largest upload any kind allows (the multipart parser's hard cap). */
  maxUploadBytes(): number {
    return Math.max(...FILE_KINDS.map((k) => this.maxBytes(k)))
  }

  /**
   * Starts an upload for `userId`: at most `files.maxConcurrentUploadsPerUser` at once (else
   * 429), and not when they are already at their quota (422). Call the answer when it ends.
   */
  async beginUpload(userId: string): Promise<() => void> {
    const leave = this.#gate.enter(userId)
    try {
      if (this.#gate.quotaBytes > 0) this.#gate.check(userId, await this.#d.records.usedBytes(userId), 0)
      return leave
    } catch (err) {
      leave()
      throw err
    }
  }

  /**
   * Receives an upload's bytes into a temporary file as they arrive. The limit is the kind's;
   * without a kind, the type is sniffed from the first bytes and the limit of the kind it
   * implies applies from then on. Over it: `file.too_large` (after the rest was read and dropped).
   */
  async receive(stream: Readable, kind: FileKind | undefined, signal?: AbortSignal): Promise<SpooledUpload> {
    let implied = kind
    const result = await this.#d.spool.receive(stream, {
      maxBytes: this.maxBytes(kind),
      signal,
      onHead: async (head) => this.maxBytes((implied ??= isImageMime(await sniffMime(head)) ? 'image' : 'file')),
    })
    if (result.over) throw tooLarge(implied, result.maxBytes)
    return result.upload
  }

  /** Removes the temporary file of an upload that was not stored (quiet when it was). */
  async discard(spooled: SpooledUpload | null): Promise<void> {
    await this.#d.spool.discard(spooled?.path)
  }

  /**
   * Stores a received upload. The type is sniffed from its first bytes; images are
   * re-encoded and get a thumbnail; an image kind needs image bytes, voice audio, video
   * video (else `file.type_mismatch`). Over the kind's limit: `file.too_large`; over the
   * user's quota: `file.quota_exceeded`. The temporary file is moved into the store.
   */
  async upload(ownerId: string, input: UploadInput): Promise<StoredFile> {
    const { records, bytes: store, spool, media, clock, logger, limits } = this.#d
    const { spooled } = input
    const mime = await sniffMime(spooled.head)
    const kind = input.kind ?? (isImageMime(mime) ? 'image' : 'file')
    this.#checkSize(kind, spooled.size)
    checkKind(kind, mime)

    let path = spooled.path
    let size = spooled.size
    let sha256 = spooled.sha256
    let dims: { width: number; height: number } | null = null
    let thumbnail: { bytes: Buffer; width: number; height: number } | null = null
    let metadataScrubbed = 0
    try {
      // video, audio and HEIF keep their bytes but lose GPS, capture times and other metadata, in place
      const strip = isImageMime(mime)
        ? null
        : isIsoBmff(spooled.head)
          ? media.stripIsoBmffMetadata
          : isMatroska(spooled.head)
            ? media.stripMatroskaMetadata
            : null
      if (strip) {
        const scrubbed = await strip(path)
        if (scrubbed > 0) sha256 = await spool.hash(path)
        metadataScrubbed = scrubbed
      }
      if (isImageMime(mime)) {
        const output = await spool.tempPath()
        try {
          const image = await media.processImage(path, output, mime as (typeof IMAGE_MIMES)[number], {
            maxPixels: limits.maxImagePixels,
            thumbnailSize: limits.thumbnailSize,
          })
          await spool.discard(path)
          path = output
          size = image.size
          sha256 = await spool.hash(output)
          dims = { width: image.width, height: image.height }
          thumbnail = image.thumbnail
        } catch (err) {
          await spool.discard(output)
          throw err
        }
      }
      const file: StoredFile = {
        id: newId(),
        ownerId,
        kind,
        mime,
        size,
        sha256,
        name: cleanName(input.name),
        width: dims?.width ?? null,
        height: dims?.height ?? null,
        durationMs: kind === 'voice' || kind === 'video' ? clampDuration(kind, size, input.durationMs ?? 0) : null,
        thumbnail: thumbnail ? { width: thumbnail.width, height: thumbnail.height } : null,
        createdAt: clock.now(),
      }
      // the record first: bytes without a record could never be found again, while a record
      // without bytes (a crash in between) answers 404 and is swept like any unused upload
      await this.#gate.withinQuota(
        ownerId,
        size,
        () => records.usedBytes(ownerId),
        () => records.create(file),
      )
      try {
        await store.putFile(file.id, path)
        if (thumbnail) await store.put(thumbnailKey(file.id), thumbnail.bytes)
      } catch (err) {
        await records.deleteIfUnreferenced(file.id).catch(() => false)
        throw err
      }
      logger.info(
        {
          event: 'file.uploaded',
          fileId: file.id,
          userId: ownerId,
          kind,
          mime,
          size: file.size,
          thumbnail: thumbnail !== null,
          metadataScrubbed,
        },
        'file uploaded',
      )
      return file
    } finally {
      await spool.discard(path)
    }
  }

  /** A file `userId` uploaded, for use in their message or as an avatar; else `file.not_found`. */
  async ownFile(userId: string, fileId: string): Promise<StoredFile> {
    const file = isId(fileId) ? await this.#d.records.findById(fileId) : null
    if (!file || file.ownerId !== userId) throw new AppError('file.not_found')
    return file
  }

  /** An image `userId` uploaded (avatars, group avatars); `file.type_mismatch` for other kinds. */
  async ownImage(userId: string, fileId: string): Promise<StoredFile> {
    const file = await this.ownFile(userId, fileId)
    if (file.kind !== 'image') throw new AppError('file.type_mismatch', 'An avatar must be an uploaded image.')
    return file
  }

  /**
   * Sets a user's or group's avatar around `write` (which stores the new avatar id): the
   * file must be an image `actorId` uploaded (null clears); refs are kept consistent by
   * `attachAvatar`. Groups call this with `kind: 'group_avatar', refId: groupId`.
   */
  async setAvatar<T>(
    actorId: string,
    change: { kind: 'avatar' | 'group_avatar'; refId: string; fileId: string | null },
    write: () => Promise<T>,
  ): Promise<T> {
    if (change.fileId !== null) await this.ownImage(actorId, change.fileId)
    return attachAvatar(this.#d.records, { ...change, now: this.#d.clock.now() }, write)
  }

  /** The file's metadata if `userId` may see it (owner, a message they can see, an avatar); else 404. */
  async metadata(userId: string, fileId: string): Promise<StoredFile> {
    const file = isId(fileId) ? await this.#d.records.findById(fileId) : null
    if (!file || !(await this.#d.records.canRead(fileId, userId))) throw new AppError('file.not_found')
    return file
  }

  /** The bytes of a file (or its thumbnail) for a user allowed to see it; 404 otherwise. */
  async open(userId: string, fileId: string, variant: FileVariant): Promise<ServedFile> {
    const file = await this.metadata(userId, fileId)
    return this.#serve(file, variant)
  }

  /** A short-lived URL for `<img>`/`<audio>`: the same checks as `open`, done now and again on use. */
  async signedUrl(userId: string, fileId: string, variant: FileVariant): Promise<{ url: string; expiresAt: number }> {
    const file = await this.metadata(userId, fileId)
    if (variant === 'thumbnail' && !file.thumbnail) throw new AppError('file.not_found', 'This file has no thumbnail.')
    const expSeconds = Math.floor(this.#d.clock.now() / 1000) + this.#d.limits.urlTtlSeconds
    const sig = this.#signer.sign(variant, fileId, userId, expSeconds)
    const path = variant === 'thumbnail' ? `/api/v1/files/${fileId}/thumbnail/content` : `/api/v1/files/${fileId}/content`
    const query = new URLSearchParams({ u: userId, exp: String(expSeconds), sig })
    return { url: `${path}?${query.toString()}`, expiresAt: expSeconds * 1000 }
  }

  /** Serves a signed URL: a bad or expired signature, or access lost since, is 404. */
  async openSigned(fileId: string, variant: FileVariant, q: { u?: string; exp?: string; sig?: string }): Promise<ServedFile> {
    const exp = Number(q.exp)
    const valid =
      typeof q.u === 'string' &&
      typeof q.sig === 'string' &&
      Number.isSafeInteger(exp) &&
      exp * 1000 > this.#d.clock.now() &&
      this.#signer.verify(variant, fileId, q.u, exp, q.sig)
    if (!valid) throw new AppError('file.not_found')
    return this.open(q.u!, fileId, variant)
  }

  /**
   * Deletes uploads older than `files.unreferencedTtlHours` that nothing uses: the record
   * goes first (only if still unreferenced), then the bytes. Returns how many went.
   */
  async sweepUnreferenced(): Promise<number> {
    const { records, bytes, clock, logger, limits } = this.#d
    const before = clock.now() - limits.unreferencedTtlHours * 3600_000
    let deleted = 0
    for (;;) {
      const ids = await records.listUnreferenced(before, SWEEP_BATCH)
      for (const id of ids) {
        if (!(await records.deleteIfUnreferenced(id))) continue
        await bytes.delete(id)
        await bytes.delete(thumbnailKey(id))
        deleted++
      }
      if (ids.length < SWEEP_BATCH) break
    }
    // temporary files a crash left behind (a live upload is cut long before this)
    const stale = await this.#d.spool.sweep(clock.now(), STALE_TEMP_MS)
    if (deleted > 0 || stale > 0) logger.info({ event: 'file.swept', count: deleted, tempFiles: stale }, 'unreferenced uploads deleted')
    return deleted
  }

  /** Runs the sweeper every `intervalMs` (unref'd: never keeps the process alive); returns a stop function. */
  startSweeper(intervalMs: number): () => void {
    let running = false
    const timer = setInterval(() => {
      if (running) return
      running = true
      this.sweepUnreferenced()
        .catch((err: unknown) => this.#d.logger.warn({ err }, 'file sweep failed'))
        .finally(() => (running = false))
    }, intervalMs)
    timer.unref()
    return () => clearInterval(timer)
  }

  /** A voice or video duration, clamped to what the kind and the size make plausible. */
  clampDuration(kind: 'voice' | 'video', size: number, durationMs: number): number {
    return clampDuration(kind, size, durationMs)
  }

  async #serve(file: StoredFile, variant: FileVariant): Promise<ServedFile> {
    const store = this.#d.bytes
    const key = variant === 'thumbnail' ? thumbnailKey(file.id) : file.id
    // the original's size is in its record; a thumbnail's is asked of the store (no bytes read)
    const size = variant === 'thumbnail' ? (file.thumbnail ? await store.size(key) : null) : file.size
    if (size === null) throw new AppError('file.not_found', 'This file has no thumbnail.')
    const open = async (range?: ByteRange): Promise<Readable> => {
      const stream = await store.read(key, range ?? (size > 0 ? { start: 0, end: size - 1 } : undefined))
      if (!stream) throw new AppError('file.not_found')
      return stream
    }
    const etag = `"${key}"`
    if (variant === 'thumbnail') return { file, mime: THUMBNAIL_MIME, inline: true, size, etag, open }
    return { file, mime: file.mime, inline: file.kind === 'image' && isImageMime(file.mime), size, etag, open }
  }

  #checkSize(kind: FileKind, size: number): void {
    const max = this.maxBytes(kind)
    if (size > max) throw tooLarge(kind, max)
  }
}

export function tooLarge(kind: FileKind | undefined, maxBytes: number): AppError {
  return new AppError('file.too_large', `${kind ? `A ${kind}` : 'An upload'} may be at most ${maxBytes} bytes.`, {
    details: { kind: kind ?? null, maxBytes },
  })
}

function checkKind(kind: FileKind, mime: string): void {
  const ok =
    kind === 'file' ||
    (kind === 'image' && isImageMime(mime)) ||
    (kind === 'voice' && (mime.startsWith('audio/') || mime === 'video/webm' || mime === 'video/mp4' || mime === 'video/ogg')) ||
    (kind === 'video' && mime.startsWith('video/'))
  if (!ok) {
    const want = { image: 'JPEG, PNG, WebP or GIF', voice: 'audio', video: 'video', file: 'any' }[kind]
    throw new AppError('file.type_mismatch', `A ${kind} upload must be ${want} data; these bytes are ${mime}.`, {
      details: { kind, mime },
    })
  }
}

function clampDuration(kind: 'voice' | 'video', size: number, durationMs: number): number {
  const bySize = Math.floor((size / MIN_BYTES_PER_SECOND[kind]) * 1000)
  const ms = Number.isFinite(durationMs) ? Math.round(durationMs) : 0
  return Math.max(0, Math.min(ms, bySize, MAX_DURATION_MS[kind]))
}

/**
 * A display name: the last path segment through the one display-text rule (NFC, bidi
 * overrides, zero-width and control characters removed, so "invoice\u202Efdp.exe" shows as
 * the .exe it is), at most 255 characters.
 */
function cleanName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? ''
  const clean = [...cleanDisplayText(base)].slice(0, 255).join('')
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean
}
