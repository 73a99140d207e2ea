import type { Generated } from 'kysely'

/**
 * Row types as Kysely sees them. Only `sql/` imports this file: services get domain objects.
 * Times are epoch milliseconds (BIGINT); booleans are 0/1 integers on every dialect.
 */

export interface UsersTable {
  id: string
  username: string
  nickname: string
  /** lower-cased nickname, for portable case-insensitive prefix search */
  nickname_lower: string
  password_hash: string
  email: string | null
  email_verified_at: number | null
  bio: string
  avatar_file_id: string | null
  status: string
  role: string
  state: string
  created_at: number
  updated_at: number
  /** 1: a mention of me alerts even in a muted chat */
  mention_alert_muted: Generated<number>
}

export interface SessionsTable {
  id: string
  token_sha256: string
  user_id: string
  created_at: number
  expires_at: number
  revoked_at: number | null
  last_seen_at: number
  user_agent: string
  ip: string
}

export interface FriendRequestsTable {
  id: string
  from_user_id: string
  to_user_id: string
  /** `minId:maxId`; `pending_key` equals it only while pending, so one pending request per pair */
  pair_key: string
  pending_key: string | null
  note: string
  greeting: string
  status: string
  created_at: number
  updated_at: number
}

export interface FriendshipsTable {
  user_id: string
  friend_id: string
  remark: string
  created_at: number
}

export interface BlocksTable {
  user_id: string
  blocked_id: string
  created_at: number
}

export interface ConversationsTable {
  id: string
  kind: string
  /** direct only: `minId:maxId` */
  pair_key: string | null
  group_id: string | null
  last_seq: number
  mod_seq: number
  membership_version: number
  last_message_at: number | null
  created_at: number
}

export interface ConversationMembersTable {
  conversation_id: string
  user_id: string
  role: string
  join_seq: number
  left_seq: number | null
  read_seq: number
  cleared_seq: number
  pinned: number
  muted: number
  /** group mute set by owner/admins: may not speak until then */
  silenced_until: number | null
  group_nickname: string
  joined_at: number
  updated_at: number
  /** the group's name and avatar when this member left (null while a member) */
  left_group_name: string | null
  left_group_avatar_file_id: string | null
}

export interface MessagesTable {
  conversation_id: string
  seq: number
  id: string
  sender_id: string | null
  client_msg_id: string
  type: string
  content: string
  created_at: number
  edited_at: number | null
  recalled_at: number | null
  mod_seq: number
  /** reaction summary (JSON `[{emoji, count, userIds}]`), null when none */
  reactions: string | null
}

/** one row per (message, emoji, user) */
export interface MessageReactionsTable {
  conversation_id: string
  seq: number
  emoji: string
  user_id: string
  created_at: number
}

/** pinned messages, a bounded list per conversation */
export interface PinnedMessagesTable {
  conversation_id: string
  seq: number
  pinned_by: string
  pinned_at: number
}

export interface HiddenMessagesTable {
  user_id: string
  conversation_id: string
  seq: number
  mod_seq: number
  hidden_at: number
}

export interface MessageMentionsTable {
  conversation_id: string
  seq: number
  /** a user id, or `*` for @all */
  user_id: string
  sender_id: string
}

/** calls; `live_conversation_id` = conversation_id until ended (one running call per conversation) */
export interface CallsTable {
  id: string
  conversation_id: string
  live_conversation_id: string | null
  kind: string
  media: string
  state: string
  initiator_id: string
  created_at: number
  answered_at: number | null
  ended_at: number | null
  end_reason: string | null
}

/** one row per user and call */
export interface CallParticipantsTable {
  call_id: string
  user_id: string
  state: string
  connection_id: string | null
  muted: number
  camera_off: number
  joined_at: number | null
  left_at: number | null
  last_seen: number
}

export interface GroupsTable {
  id: string
  conversation_id: string
  name: string
  name_lower: string
  avatar_file_id: string | null
  announcement: string
  join_policy: string
  mute_all: number
  max_members: number
  owner_id: string
  member_count: number
  created_at: number
  updated_at: number
}

export interface GroupBansTable {
  group_id: string
  user_id: string
  banned_by: string
  created_at: number
}

export interface GroupInvitationsTable {
  id: string
  group_id: string
  inviter_id: string
  invitee_id: string
  /** equals `group_id:invitee_id` while pending */
  pending_key: string | null
  status: string
  created_at: number
  updated_at: number
}

export interface GroupJoinRequestsTable {
  id: string
  group_id: string
  user_id: string
  pending_key: string | null
  message: string
  status: string
  decided_by: string | null
  created_at: number
  updated_at: number
}

export interface AuditLogTable {
  id: string
  actor_id: string
  action: string
  target_id: string | null
  details: string
  created_at: number
}

/** e-mailed codes: `code_hash` is an HMAC of the code, never the code */
export interface EmailCodesTable {
  id: string
  user_id: string
  /** `email` (bind an address) or `reset` (password reset) */
  purpose: string
  email: string
  code_hash: string
  attempts: number
  expires_at: number
  consumed_at: number | null
  created_at: number
}

export interface SettingsTable {
  key: string
  value: string
  updated_at: number
}

/** uploaded files' metadata; the bytes live in the FileStore under the id (and `<id>.thumb`) */
export interface FilesTable {
  id: string
  owner_id: string
  /** image | file | voice | video */
  kind: string
  mime: string
  size: number
  sha256: string
  /** the uploader's file name, for display only: never a path */
  original_name: string
  width: number | null
  height: number | null
  duration_ms: number | null
  has_thumbnail: number
  thumb_width: number | null
  thumb_height: number | null
  created_at: number
}

/** what uses a file: `message` (ref_id `conversationId:seq`), `avatar` (userId), `group_avatar` (groupId) */
export interface FileRefsTable {
  file_id: string
  ref_kind: string
  ref_id: string
  conversation_id: string | null
  seq: number | null
  created_at: number
}

/** file bytes for `files.driver = sql`, in fixed-size chunks */
export interface FileChunksTable {
  file_key: string
  idx: number
  bytes: Uint8Array
}

/** Web Push subscriptions, one per device (session) (migration 0011) */
export interface PushSubscriptionsTable {
  id: string
  user_id: string
  session_id: string
  endpoint_sha256: string
  endpoint: string
  p256dh: string
  auth: string
  created_at: number
}

export interface NotificationSettingsTable {
  user_id: string
  previews: number
  quiet_start: number | null
  quiet_end: number | null
  time_zone: string
  email_digest: number
  digest_sent_at: number | null
  updated_at: number
}

/** the last seq a push was shown for, per user and conversation (a read past it sends a "clear") */
export interface PushShownTable {
  user_id: string
  conversation_id: string
  seq: number
}

export interface Database {
  users: UsersTable
  sessions: SessionsTable
  friend_requests: FriendRequestsTable
  friendships: FriendshipsTable
  blocks: BlocksTable
  conversations: ConversationsTable
  conversation_members: ConversationMembersTable
  messages: MessagesTable
  message_reactions: MessageReactionsTable
  pinned_messages: PinnedMessagesTable
  hidden_messages: HiddenMessagesTable
  message_mentions: MessageMentionsTable
  calls: CallsTable
  call_participants: CallParticipantsTable
  groups: GroupsTable
  group_bans: GroupBansTable
  group_invitations: GroupInvitationsTable
  group_join_requests: GroupJoinRequestsTable
  audit_log: AuditLogTable
  settings: SettingsTable
  email_codes: EmailCodesTable
  files: FilesTable
  file_refs: FileRefsTable
  file_chunks: FileChunksTable
  push_subscriptions: PushSubscriptionsTable
  notification_settings: NotificationSettingsTable
  push_shown: PushShownTable
}
