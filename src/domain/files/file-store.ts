import type { Readable } from 'node:stream'

/** Bytes `start` to `end` of a file, both inclusive (as in HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  start: number
  end: number
}

/**
 * Where file bytes live, by key: `local` (a directory) or `sql` (the database, cluster-safe);
 * S3 later. Chosen once by `files.driver` in the composition root. Keys are made by the
 * server, a file's ULID or `<ULID>.thumb`, never derived from user input: implementations
 * refuse any other key (AppError would be wrong here: a bad key is a programming error).
 * Bytes are streamed both ways: no method holds a whole file in memory.
 */
export interface FileStore {
  /** Stores `bytes` (small things: thumbnails) under `key`, replacing what was there. */
  put(key: string, bytes: Uint8Array): Promise<void>
  /**
   * Moves the finished file at `path` (a temporary file of the server's) into the store under
   * `key`, replacing what was there; `path` no longer exists once this resolves. Readers see
   * the whole file or none of it.
   */
  putFile(key: string, path: string): Promise<void>
  /** The stored size in bytes, without reading the bytes; null when there is nothing under `key`. */
  size(key: string): Promise<number | null>
  /**
   * A stream of the bytes under `key` (or of `range` of them, which the caller has checked
   * against the size), or null when there are none. The stream reads as it is consumed.
   */
  read(key: string, range?: ByteRange): Promise<Readable | null>
  /** Removes `key`; resolves quietly when it is absent. */
  delete(key: string): Promise<void>
}

const FILE_KEY = /^[0-9A-HJKMNP-TV-Z]{26}(\.thumb)?$/

/** Throws unless `key` is a server-made file key (see FileStore). */
export function assertFileKey(key: string): void {
  if (!FILE_KEY.test(key)) throw new Error(`not a file key: ${JSON.stringify(key.slice(0, 40))}`)
}
