/**
 * Wire types of the JIM API (v1), mirroring /api/v1/openapi.json, docs/messaging-api.md and
 * API.md. Ids are strings, times ISO-8601 strings, `seq`/`modSeq` numbers.
 * Kept free of DOM and React types so node tests can import it.
 */

export type UserStatus = 'online' | 'away' | 'busy' | 'invisible'
export type ShownStatus = 'online' | 'away' | 'busy' | 'offline'

/** The error body every non-2xx answer carries. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown }
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

// ---- accounts ----

export interface SelfUser {
  id: string
  username: string
  nickname: string
  email: string | null
  emailVerified: boolean
  bio: string
  avatarFileId: string | null
  status: UserStatus
  role: 'user' | 'admin'
  createdAt: string
}

/** A signed-in device (`GET /me/sessions`). */
export interface DeviceSession {
  id: string
  createdAt: string
  lastSeenAt: string
  expiresAt: string
  userAgent: string | null
  ip: string | null
  current: boolean
}

export interface PublicUser {
  id: string
  username: string
  nickname: string
  bio: string
  avatarFileId: string | null
  deleted: boolean
}

export interface CaptchaAnswer {
  id: string
  answer: string
}

export interface RegisterBody {
  username: string
  password: string
  nickname?: string
  email?: string
  captcha?: CaptchaAnswer
}

export interface LoginBody {
  username: string
  password: string
  captcha?: CaptchaAnswer
}

export interface LoginResult {
  token: string
  expiresAt: string
  sessionId: string
  user: SelfUser
}

export interface Captcha {
  captchaId: string
  /** SVG markup or a data: URL */
  image: string
}

/** `details` of 422 `auth.weak_password`. */
export type WeakPasswordDetails =
  { reason: 'too_short'; minLength: number } | { reason: 'too_guessable'; score: number; minScore: number; suggestions: string[] }

// ---- friends and blocks ----

export interface Presence {
  status: ShownStatus
  connected: boolean
}

export interface Friend {
  user: PublicUser
  remark: string
  presence: Presence
  since?: string
}

export type FriendRequestStatus = 'pending' | 'accepted' | 'rejected' | 'withdrawn'

export interface FriendRequest {
  id: string
  fromUserId: string
  toUserId: string
  note: string
  greeting: string
  status: FriendRequestStatus
  createdAt: string
  updatedAt: string
  from: PublicUser
  to: PublicUser
}

export interface SendFriendRequestBody {
  userId: string
  note?: string
  greeting?: string
}

export interface BlockedUser {
  user: PublicUser
  createdAt?: string
}

// ---- groups ----

export type JoinPolicy = 'open' | 'approval' | 'invite'
export type GroupRole = 'owner' | 'admin' | 'member'

export interface Group {
  id: string
  name: string
  avatarFileId: string | null
  announcement?: string
  joinPolicy: JoinPolicy
  muteAll?: boolean
  maxMembers?: number
  memberCount?: number
  ownerId?: string
  conversationId: string
  /** my role when I am a member */
  myRole?: GroupRole | null
  createdAt?: string
}

export interface CreateGroupBody {
  name: string
  memberIds?: string[]
  joinPolicy?: JoinPolicy
  maxMembers?: number
}

export interface GroupMember {
  userId?: string
  user: PublicUser
  role: GroupRole
  groupNickname?: string | null
  mutedUntil?: string | null
  joinedAt?: string
}

export interface GroupInvitation {
  id: string
  group: Pick<Group, 'id' | 'name' | 'avatarFileId'> & Partial<Group>
  inviter?: PublicUser | null
  createdAt?: string
}

export interface JoinRequest {
  id: string
  groupId: string
  user: PublicUser
  message: string
  status: string
  createdAt: string
}

export interface GroupBan {
  userId: string
  user: PublicUser
  bannedBy: string
  createdAt: string
}

/** `POST /groups/{id}/join` and accepting an invitation: 200 joined, or 202 a request waiting for approval. */
export interface JoinResult {
  group?: Group
  member?: GroupMember
  joinRequest?: { id: string; groupId: string; status: string }
}

// ---- conversations and messages ----

export type ConversationKind = 'direct' | 'group' | 'world'
export type MessageType = 'text' | 'image' | 'file' | 'voice' | 'video' | 'location' | 'sticker' | 'system'

export interface TextContent {
  text: string
  /** user ids, or "all" */
  mentions?: string[]
  /** seq of the message answered */
  replyTo?: number
}

export interface SystemContent {
  event: string
  [field: string]: unknown
}

export interface Message {
  id: string
  conversationId: string
  seq: number
  senderId: string | null
  clientMsgId: string
  type: MessageType
  content: Record<string, unknown>
  createdAt: string
  editedAt: string | null
  recalledAt: string | null
  modSeq: number
}

export interface Conversation {
  id: string
  kind: ConversationKind
  /** direct only: the other user */
  peer: PublicUser | null
  /** group only */
  group: { id: string; name: string; avatarFileId: string | null } | null
  lastSeq: number
  modSeq: number
  readSeq: number
  unreadCount: number
  joinSeq: number
  leftSeq: number | null
  pinned: boolean
  muted: boolean
  lastMessage: Message | null
  lastActivityAt: string | null
}

export interface SendMessageBody {
  clientMsgId: string
  type: Exclude<MessageType, 'system'>
  content: TextContent | Record<string, unknown>
}

export type UploadKind = 'image' | 'file' | 'voice' | 'video'

export interface UploadedFile {
  fileId: string
  kind: UploadKind
  mime: string
  size: number
  name: string
  width?: number
  height?: number
  thumbnail?: { width: number; height: number; mime: string } | null
  createdAt: string
}

export interface MessagePage {
  items: Message[]
  hasMore: boolean
}

// ---- WebSocket frames ----

export type ServerFrame =
  | { type: 'ready'; userId: string; sessionId: string; connectionId: string; heartbeatSeconds: number }
  | { type: 'pong'; id: unknown }
  | { type: 'message.created'; message: Message }
  | { type: 'message.updated'; message: Message }
  | { type: 'message.recalled'; message?: Message; conversationId?: string; seq?: number }
  | { type: 'conversation.updated'; conversation: Conversation }
  | { type: 'conversation.read'; conversationId: string; userId: string; seq: number; reads?: undefined }
  | {
      type: 'conversation.read'
      conversationId: string
      reads: Array<{ userId: string; seq: number }>
      userId?: undefined
      seq?: undefined
    }
  | { type: 'typing'; conversationId: string; userId: string }
  | { type: 'presence'; userId: string; status: ShownStatus; connected: boolean }
  | { type: 'friend.request'; request: FriendRequest }
  | { type: 'friend.request_updated'; request: FriendRequest; status?: FriendRequestStatus }
  | { type: 'friend.removed'; userId: string }
  | { type: 'group.updated'; groupId: string; group: Group }
  | { type: 'group.member_joined'; groupId: string; userIds?: string[]; members?: GroupMember[]; group?: Group }
  | { type: 'group.member_left'; groupId: string; userId: string; reason?: string; memberCount?: number }
  | { type: 'group.member_updated'; groupId: string; member?: GroupMember; userId?: string }
  | { type: 'group.dissolved'; groupId: string }
  | { type: 'group.invitation'; invitation: GroupInvitation }
  | { type: 'sync' }
  | { type: 'resumed'; positions?: Record<string, number> }
  | { type: 'resync_required'; conversationId: string; lastSeq?: number }
  | { type: 'session.revoked'; reason: string }
  | { type: 'error'; code: string; message: string; replyTo?: unknown; conversationId?: string }

export type ClientFrame =
  | { type: 'auth'; token: string }
  | { type: 'ping'; id?: string | number }
  | { type: 'typing'; conversationId: string }
  | { type: 'resume'; positions: Record<string, ResumePosition> }

/** A resume position: the last seq seen, or with the last modSeq seen (edits and recalls since then come too). */
export type ResumePosition = number | { seq: number; modSeq: number }
