import { sql, type Kysely } from 'kysely'
import type { Capabilities } from '../capabilities.js'

/**
 * Uploaded files: metadata (`files`), what uses them (`file_refs`, which drives access checks
 * and the sweeper of unreferenced uploads) and, for `files.driver = sql`, the bytes
 * (`file_chunks`: fixed-size chunks, so no single value comes near MySQL's packet limit).
 */
export function up(caps: Capabilities) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const table = (name: string) => db.schema.createTable(name).$call(caps.tableOptions)
    const id = 'varchar(26)'

    await table('files')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('owner_id', id, (c) => c.notNull())
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('mime', 'varchar(100)', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'char(64)', (c) => c.notNull())
      .addColumn('original_name', 'varchar(255)', (c) => c.notNull())
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('duration_ms', 'bigint')
      .addColumn('has_thumbnail', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('thumb_width', 'integer')
      .addColumn('thumb_height', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('files_owner').on('files').column('owner_id').execute()
    await db.schema.createIndex('files_created').on('files').column('created_at').execute()

    await table('file_refs')
      .addColumn('file_id', id, (c) => c.notNull())
      .addColumn('ref_kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('ref_id', 'varchar(80)', (c) => c.notNull())
      // message refs only: the message's place, for the membership-range check
      .addColumn('conversation_id', id)
      .addColumn('seq', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('file_refs_pk', ['file_id', 'ref_kind', 'ref_id'])
      .execute()
    await db.schema.createIndex('file_refs_ref').on('file_refs').columns(['ref_kind', 'ref_id']).execute()

    await table('file_chunks')
      .addColumn('file_key', 'varchar(40)', (c) => c.notNull())
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('bytes', sql.raw(caps.blobType), (c) => c.notNull())
      .addPrimaryKeyConstraint('file_chunks_pk', ['file_key', 'idx'])
      .execute()
  }
}
