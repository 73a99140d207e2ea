import type { ClientMessageType, GroupRole, JoinPolicy, JoinRequest, Member, Group, SelfUser } from '@jim/protocol'

/** Request bodies and answers of REST calls that are not views of the wire contract. */

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

export interface Captcha {
  captchaId: string
  /** SVG markup or a data: URL */
  image: string
}

/** `details` of 422 `auth.weak_password`. */
export type WeakPasswordDetails =
  { reason: 'too_short'; minLength: number } | { reason: 'too_guessable'; score: number; minScore: number; suggestions: string[] }

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

export interface ProfilePatch {
  nickname?: string
  bio?: string
  status?: SelfUser['status']
  avatar?: string | null
  /** a mention of me alerts even in a muted chat */
  mentionAlertMuted?: boolean
}

/** `POST /conversations/{id}/forward` body. */
export interface ForwardBody {
  seqs: number[]
  targets: string[]
  mode: 'single' | 'merged'
  clientMsgId: string
}

export interface SendFriendRequestBody {
  userId: string
  note?: string
  greeting?: string
}

export interface CreateGroupBody {
  name: string
  memberIds?: string[]
  joinPolicy?: JoinPolicy
  maxMembers?: number
}

/** What became of each id of a group creation or an invitation: nobody is silently dropped. */
export interface MemberReport {
  added: string[]
  invited: Array<{ userId: string; invitationId: string }>
  refused: Array<{ userId: string; code: string }>
}

export interface GroupPatch {
  name?: string
  announcement?: string
  muteAll?: boolean
  avatar?: string | null
  joinPolicy?: JoinPolicy
}

export interface MemberPatch {
  role?: Exclude<GroupRole, 'owner'>
  mutedUntil?: string | null
  groupNickname?: string
}

/** `POST /groups/{id}/join` and accepting an invitation: 200 joined, or 202 a request waiting for approval. */
export interface JoinResult {
  group?: Group
  member?: Member
  joinRequest?: JoinRequest
}

export interface TextContent {
  text: string
  /** user ids, or "all" */
  mentions?: string[]
  /** seq of the message answered */
  replyTo?: number
}

export interface SendMessageBody {
  clientMsgId: string
  type: ClientMessageType
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

/** Filters of `Api.searchMessages` (all optional). */
export interface SearchFilters {
  /** one conversation I belong or belonged to */
  conversationId?: string
  senderId?: string
  /** message types, e.g. ['file', 'image'] */
  types?: string[]
  /** ISO 8601 bounds on the send time, inclusive */
  from?: string
  to?: string
  /** the previous page's nextCursor */
  cursor?: string
  /** 1–50, default 20 */
  limit?: number
}
