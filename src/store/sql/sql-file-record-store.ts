import type { Kysely, Selectable } from 'kysely'
import type { FileKind, FileRefKind, StoredFile } from '../../domain/files/file.js'
import type { FileRecordStore, FileRef } from '../../domain/files/file-record-store.js'
import type { Capabilities } from './capabilities.js'
import type { Database, FilesTable } from './db-schema.js'

function toFile(row: Selectable<FilesTable>): StoredFile {
  const hasThumbnail = Number(row.has_thumbnail) === 1
  return {
    id: row.id,
    ownerId: row.owner_id,
    kind: row.kind as FileKind,
    mime: row.mime,
    size: Number(row.size),
    sha256: row.sha256,
    name: row.original_name,
    width: row.width === null ? null : Number(row.width),
    height: row.height === null ? null : Number(row.height),
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    thumbnail: hasThumbnail ? { width: Number(row.thumb_width), height: Number(row.thumb_height) } : null,
    createdAt: Number(row.created_at),
  }
}

function refRow(ref: FileRef, now: number) {
  return ref.kind === 'message'
    ? {
        file_id: ref.fileId,
        ref_kind: ref.kind,
        ref_id: `${ref.conversationId}:${ref.seq}`,
        conversation_id: ref.conversationId,
        seq: ref.seq,
        created_at: now,
      }
    : { file_id: ref.fileId, ref_kind: ref.kind, ref_id: ref.refId, conversation_id: null, seq: null, created_at: now }
}

export class SqlFileRecordStore implements FileRecordStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
  }

  async create(file: StoredFile): Promise<void> {
    await this.#db
      .insertInto('files')
      .values({
        id: file.id,
        owner_id: file.ownerId,
        kind: file.kind,
        mime: file.mime,
        size: file.size,
        sha256: file.sha256,
        original_name: file.name,
        width: file.width,
        height: file.height,
        duration_ms: file.durationMs,
        has_thumbnail: file.thumbnail ? 1 : 0,
        thumb_width: file.thumbnail?.width ?? null,
        thumb_height: file.thumbnail?.height ?? null,
        created_at: file.createdAt,
      })
      .execute()
  }

  async findById(id: string): Promise<StoredFile | null> {
    const row = await this.#db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toFile(row) : null
  }

  async usedBytes(ownerId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('files')
      .select((eb) => eb.fn.sum<number | string | null>('size').as('used'))
      .where('owner_id', '=', ownerId)
      .executeTakeFirst()
    return Number(row?.used ?? 0)
  }

  async addRefs(refs: readonly FileRef[], now: number): Promise<number> {
    if (refs.length === 0) return 0
    const insert = this.#db.insertInto('file_refs').values(refs.map((r) => refRow(r, now)))
    const result = await (
      this.#caps.insertOrIgnore === 'insert_ignore' ? insert.ignore() : insert.onConflict((oc) => oc.doNothing())
    ).executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0)
  }

  async removeRef(ref: Extract<FileRef, { kind: 'avatar' | 'group_avatar' }>): Promise<void> {
    await this.#db
      .deleteFrom('file_refs')
      .where('file_id', '=', ref.fileId)
      .where('ref_kind', '=', ref.kind)
      .where('ref_id', '=', ref.refId)
      .execute()
  }

  async removeRefs(kind: Exclude<FileRefKind, 'message'>, refId: string, keepFileId: string | null): Promise<void> {
    await this.#db
      .deleteFrom('file_refs')
      .where('ref_kind', '=', kind)
      .where('ref_id', '=', refId)
      .$if(keepFileId !== null, (q) => q.where('file_id', '<>', keepFileId!))
      .execute()
  }

  async canRead(fileId: string, userId: string): Promise<boolean> {
    const owned = await this.#db.selectFrom('files').select('owner_id').where('id', '=', fileId).executeTakeFirst()
    if (!owned) return false
    if (owned.owner_id === userId) return true
    const avatar = await this.#db
      .selectFrom('file_refs')
      .select('file_id')
      .where('file_id', '=', fileId)
      .where('ref_kind', 'in', ['avatar', 'group_avatar'])
      .limit(1)
      .executeTakeFirst()
    if (avatar) return true
    const message = await this.#db
      .selectFrom('file_refs as r')
      .innerJoin('conversation_members as cm', (j) => j.onRef('cm.conversation_id', '=', 'r.conversation_id').on('cm.user_id', '=', userId))
      .innerJoin('messages as m', (j) => j.onRef('m.conversation_id', '=', 'r.conversation_id').onRef('m.seq', '=', 'r.seq'))
      .select('r.file_id')
      .where('r.file_id', '=', fileId)
      .where('r.ref_kind', '=', 'message')
      .whereRef('r.seq', '>=', 'cm.join_seq')
      .where((eb) => eb.or([eb('cm.left_seq', 'is', null), eb('r.seq', '<=', eb.ref('cm.left_seq'))]))
      .where('m.recalled_at', 'is', null)
      .limit(1)
      .executeTakeFirst()
    return message !== undefined
  }

  async listUnreferenced(createdBefore: number, limit: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('files as f')
      .select('f.id')
      .where('f.created_at', '<', createdBefore)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('file_refs as r').select('r.file_id').whereRef('r.file_id', '=', 'f.id'))),
      )
      .orderBy('f.created_at')
      .limit(limit)
      .execute()
    return rows.map((r) => r.id)
  }

  async deleteIfUnreferenced(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('files')
      .where('id', '=', id)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('file_refs').select('file_refs.file_id').where('file_refs.file_id', '=', id))),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows) === 1
  }
}
