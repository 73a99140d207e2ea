import type { FileRecordStore } from './file-record-store.js'

export interface AvatarChange {
  /** `avatar` for a user, `group_avatar` for a group */
  kind: 'avatar' | 'group_avatar'
  /** the user's or group's id */
  refId: string
  /** the new avatar (an image the actor uploaded: check with FileService.ownImage first), or null to clear */
  fileId: string | null
  now: number
}

/**
 * Records that a user's or group's avatar is now `fileId`, around the write that sets it:
 * the new ref is added before `write`, the old refs removed after it. A crash in between
 * leaves an extra ref (an unused file kept a little longer), never an avatar pointing at a
 * file the sweeper may collect. Returns what `write` returned.
 *
 * For groups: `await files.ownImage(actorId, avatar)` then
 * `attachAvatar(store.files, { kind: 'group_avatar', refId: groupId, fileId: avatar, now }, () => groups.update(...))`.
 */
export async function attachAvatar<T>(records: FileRecordStore, change: AvatarChange, write: () => Promise<T>): Promise<T> {
  const ref = change.fileId === null ? null : ({ fileId: change.fileId, kind: change.kind, refId: change.refId } as const)
  const added = ref ? await records.addRefs([ref], change.now) : 0
  let result: T
  try {
    result = await write()
  } catch (err) {
    // refused (say, not a group admin): take back the ref this call added, and only that one
    if (ref && added > 0) await records.removeRef(ref).catch(() => undefined)
    throw err
  }
  await records.removeRefs(change.kind, change.refId, change.fileId)
  return result
}
