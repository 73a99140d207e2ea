import type { FileRefKind, StoredFile } from './file.js'

/** One use of a file. Message refs carry the message's place for the membership check. */
export type FileRef =
  | { fileId: string; kind: 'message'; conversationId: string; seq: number }
  | { fileId: string; kind: 'avatar' | 'group_avatar'; refId: string }

/**
 * Uploaded files' metadata and their refs (`file_refs`). Refs drive who may download a file
 * and which uploads the sweeper may collect.
 */
export interface FileRecordStore {
  create(file: StoredFile): Promise<void>
  /** By id; null when unknown (or collected). */
  findById(id: string): Promise<StoredFile | null>
  /** Adds refs; refs that already exist are kept as they are (safe to repeat). Returns how many were new. */
  addRefs(refs: readonly FileRef[], now: number): Promise<number>
  /** Removes one avatar or group-avatar ref (undoing an `addRefs` whose change failed). */
  removeRef(ref: Extract<FileRef, { kind: 'avatar' | 'group_avatar' }>): Promise<void>
  /** Removes every ref of this kind and ref id (an avatar's user or group) except the one to `keepFileId`. */
  removeRefs(kind: Exclude<FileRefKind, 'message'>, refId: string, keepFileId: string | null): Promise<void>
  /**
   * Whether `userId` may download the file: they own it; or it is an avatar or group avatar;
   * or it is used by an unrecalled message whose seq is within their membership range
   * `[join_seq, left_seq]` of that conversation. False for unknown files.
   */
  canRead(fileId: string, userId: string): Promise<boolean>
  /** Bytes of all files `ownerId` uploaded that are still stored (used or not yet collected): their quota use. */
  usedBytes(ownerId: string): Promise<number>
  /** Ids of files created before `createdBefore` that have no refs, oldest first, at most `limit`. */
  listUnreferenced(createdBefore: number, limit: number): Promise<string[]>
  /** Deletes the record if it still has no refs (one statement, so a ref added meanwhile wins); true if deleted. */
  deleteIfUnreferenced(id: string): Promise<boolean>
}
