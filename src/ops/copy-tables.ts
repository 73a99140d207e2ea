import { CHUNK_BYTES } from '../store/sql/sql-file-store.js'
import type { Kysely } from 'kysely'
import type { Database } from '../store/sql/db-schema.js'

export interface CopiedTable {
  name: keyof Database
  /** primary key columns: batches are read in this order and resume after the last one copied */
  key: readonly string[]
  /** rows per batch (bounded by the dialects' parameter limits and MySQL's packet size) */
  batch?: number
  /** copied only with --with-sessions */
  sessions?: true
}

/**
 * Every table of db-schema.ts, parents before children (there are no foreign keys today, but
 * a reader of a half-copied target then sees consistent rows). A test checks that this list
 * and the schema name the same tables.
 */
export const COPIED_TABLES: readonly CopiedTable[] = [
  { name: 'users', key: ['id'] },
  { name: 'sessions', key: ['id'], sessions: true },
  { name: 'settings', key: ['key'] },
  { name: 'email_codes', key: ['id'] },
  { name: 'friend_requests', key: ['id'] },
  { name: 'friendships', key: ['user_id', 'friend_id'] },
  { name: 'blocks', key: ['user_id', 'blocked_id'] },
  { name: 'conversations', key: ['id'] },
  { name: 'groups', key: ['id'] },
  { name: 'conversation_members', key: ['conversation_id', 'user_id'] },
  { name: 'group_bans', key: ['group_id', 'user_id'] },
  { name: 'group_invitations', key: ['id'] },
  { name: 'group_join_requests', key: ['id'] },
  { name: 'messages', key: ['conversation_id', 'seq'] },
  { name: 'message_reactions', key: ['conversation_id', 'seq', 'emoji', 'user_id'] },
  { name: 'pinned_messages', key: ['conversation_id', 'seq'] },
  { name: 'hidden_messages', key: ['user_id', 'conversation_id', 'seq'] },
  { name: 'message_mentions', key: ['conversation_id', 'seq', 'user_id'] },
  { name: 'calls', key: ['id'] },
  { name: 'call_participants', key: ['call_id', 'user_id'] },
  { name: 'files', key: ['id'] },
  { name: 'file_refs', key: ['file_id', 'ref_kind', 'ref_id'] },
  // ~4 MiB per batch: under MySQL's default 16 MiB packet
  { name: 'file_chunks', key: ['file_key', 'idx'], batch: Math.max(1, Math.floor((4 * 1024 * 1024) / CHUNK_BYTES)) },
  { name: 'audit_log', key: ['id'] },
  { name: 'notification_settings', key: ['user_id'] },
  // a subscription belongs to its session: it goes with the sessions or not at all
  { name: 'push_subscriptions', key: ['id'], sessions: true },
  { name: 'push_shown', key: ['user_id', 'conversation_id'] },
]

/**
 * Tables that are not copied because the target builds them itself: SQLite's message search index
 * (`message_fts`, FTS5's shadow tables `message_fts_*` and the indexer's mark `message_fts_progress`) is
 * filled by the server's background indexer from the copied messages (migration 0012).
 */
export const isDerivedTable = (name: string): boolean => name === 'message_fts' || name.startsWith('message_fts_')

/** Any table by name, for code that copies rows without knowing their shape. */
export type UntypedTables = Record<string, Record<string, unknown>>

/** The same database, seen as untyped tables. */
export const untyped = (db: Kysely<Database>): Kysely<UntypedTables> => db as unknown as Kysely<UntypedTables>
