/**
 * Where file bytes live, by key: `local` (a directory) or `sql` (the database, cluster-safe);
 * S3 later. Chosen once by `files.driver` in the composition root. Keys are made by the
 * server, a file's ULID or `<ULID>.thumb`, never derived from user input: implementations
 * refuse any other key (AppError would be wrong here: a bad key is a programming error).
 */
export interface FileStore {
  /** Stores `bytes` under `key`, replacing what was there; readable by `get` once resolved. */
  put(key: string, bytes: Uint8Array): Promise<void>
  /** The bytes stored under `key`, or null when there are none. */
  get(key: string): Promise<Buffer | null>
  /** Removes `key`; resolves quietly when it is absent. */
  delete(key: string): Promise<void>
}

const FILE_KEY = /^[0-9A-HJKMNP-TV-Z]{26}(\.thumb)?$/

/** Throws unless `key` is a server-made file key (see FileStore). */
export function assertFileKey(key: string): void {
  if (!FILE_KEY.test(key)) throw new Error(`not a file key: ${JSON.stringify(key.slice(0, 40))}`)
}
