import type { Readable } from 'node:stream'

/** An upload written to a temporary file, with what was learned while it streamed in. */
export interface SpooledUpload {
  path: string
  size: number
  /** the first bytes (up to HEAD_BYTES), for sniffing the type */
  head: Buffer
  sha256: string
}

/** Bytes kept from the start of an upload to sniff its type (file-type needs ~4 KiB; ID3 tags push audio further). */
export const HEAD_BYTES = 64 * 1024

export interface ReceiveOptions {
  /** the size limit while the bytes arrive */
  maxBytes: number
  /** called once with the first bytes; may answer a tighter limit (the kind's, once the type is known) */
  onHead?: (head: Buffer) => Promise<number>
  /** aborting it (e.g. a minimum-rate watchdog) destroys the stream with the abort reason */
  signal?: AbortSignal
}

/**
 * Port: temporary files for uploads in flight. An upload is written out as it arrives (never
 * gathered in memory), hashed on the way, and its size limit enforced as it grows; the file
 * service moves the finished file into the FileStore or discards it. Adapter: `DiskUploadSpool`.
 */
export interface UploadSpool {
  /** A fresh temporary path in the spool (for files derived from an upload, e.g. a re-encoded image). */
  tempPath(): Promise<string>
  /**
   * Writes `stream` to a new temporary file. Over the limit, the partial file is removed and the
   * rest of the stream is read and dropped (so the client, still sending, gets the answer):
   * `{ over: true }`. A stream error (or an abort) removes the file and rejects.
   */
  receive(stream: Readable, options: ReceiveOptions): Promise<{ upload: SpooledUpload; over: false } | { over: true; maxBytes: number }>
  /** Removes temporary files; quiet when they are already gone. */
  discard(...paths: Array<string | null | undefined>): Promise<void>
  /** Removes temporary files left behind (a crash mid-upload) older than `olderThanMs`; returns how many. */
  sweep(now: number, olderThanMs: number): Promise<number>
  /** The SHA-256 (hex) of a spooled file, e.g. after it was rewritten. */
  hash(path: string): Promise<string>
}
