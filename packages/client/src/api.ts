import type {
  BlockedUser,
  Call,
  IceServers,
  Conversation,
  ErrorBody,
  Friend,
  FriendRequest,
  Group,
  Ban,
  Invitation,
  Member,
  JoinRequest,
  Limits,
  LoginResult,
  Pin,
  PinnedMessage,
  ReactionUsersPage,
  SearchPage,
  Message,
  MessagePage,
  Page,
  PublicUser,
  SelfUser,
} from '@jim/protocol'
import type {
  Captcha,
  CreateGroupBody,
  DeviceSession,
  GroupPatch,
  JoinResult,
  LoginBody,
  MemberReport,
  MemberPatch,
  ProfilePatch,
  ForwardBody,
  RegisterBody,
  SearchFilters,
  SendFriendRequestBody,
  SendMessageBody,
  TextContent,
  UploadedFile,
  UploadKind,
} from './rest-types.js'

/** A failed call: the server's `{error:{code,message,details}}`, or `network` when it never answered. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** seconds, from Retry-After on 429/503 */
    readonly retryAfter?: number,
  ) {
    super(message)
  }

  /** Worth retrying as is (the server never saw it, or was briefly unable to answer). */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500
  }
}

export type FetchLike = (
  input: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<{
  status: number
  ok: boolean
  headers: { get(name: string): string | null }
  text(): Promise<string>
}>

/** What `call` returns: the answer as it came. */
export interface ApiResponse<T = unknown> {
  status: number
  ok: boolean
  body: T
  headers: { get(name: string): string | null }
}

export interface ApiClientOptions {
  /** '' for the same origin */
  baseUrl?: string
  fetch?: FetchLike
  /** called when the server says the session is gone (401) */
  onUnauthorized?: () => void
}

const enc = encodeURIComponent

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

/** A typed client of /api/v1 (the main routes; `request` reaches any other). */
export class ApiClient {
  token: string | null = null
  readonly #base: string
  readonly #fetch: FetchLike
  readonly #onUnauthorized: () => void

  constructor(options: ApiClientOptions = {}) {
    this.#base = (options.baseUrl ?? '') + '/api/v1'
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init))
    this.#onUnauthorized = options.onUnauthorized ?? (() => {})
  }

  /**
   * Any route, answered as it came: the status, the body (parsed JSON, else the text, null when
   * empty) and the headers. Never throws for an HTTP status (only `network` when there was no
   * answer): for callers that look at refusals themselves. `json` is serialized; `body` goes as is
   * (a pre-serialized or deliberately malformed payload); `headers` are added to the defaults.
   */
  async call(
    method: string,
    path: string,
    options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    let payload = options.body
    if (options.json !== undefined) payload = JSON.stringify(options.json)
    if (payload !== undefined) headers['content-type'] = 'application/json'
    Object.assign(headers, options.headers)
    let res: Awaited<ReturnType<FetchLike>>
    try {
      res = await this.#fetch(this.#base + path, { method, headers, body: payload })
    } catch (err) {
      throw new ApiError(0, 'network', err instanceof Error ? err.message : 'network error')
    }
    const text = await res.text().catch(() => '')
    let body: unknown = null
    if (text) {
      try {
        body = JSON.parse(text)
      } catch {
        body = text
      }
    }
    return { status: res.status, ok: res.ok, body, headers: res.headers }
  }

  /** A call whose success is the answer: resolves with the body, throws `ApiError` otherwise. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call(method, path, { json: body })
    if (res.ok) return res.body as T
    const retry = Number(res.headers.get('retry-after'))
    const err = isErrorBody(res.body)
      ? new ApiError(res.status, res.body.error.code, res.body.error.message, res.body.error.details, retry || undefined)
      : new ApiError(res.status, res.status >= 500 ? 'internal' : 'http.' + res.status, `HTTP ${res.status}`, undefined, retry || undefined)
    if (res.status === 401 && this.token && !path.startsWith('/auth/login')) this.#onUnauthorized()
    throw err
  }

  /** `POST /files` (multipart): the bytes decide the type; voice and video must say their kind. */
  async upload(file: Blob, name: string, kind: UploadKind, durationMs?: number): Promise<UploadedFile> {
    const form = new FormData()
    form.append('kind', kind)
    if (durationMs !== undefined) form.append('durationMs', String(Math.round(durationMs)))
    form.append('file', file, name)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    let res: Response
    try {
      res = await fetch(this.#base + '/files', { method: 'POST', headers, body: form })
    } catch (err) {
      throw new ApiError(0, 'network', err instanceof Error ? err.message : 'network error')
    }
    const parsed: unknown = await res.json().catch(() => null)
    if (res.ok) return parsed as UploadedFile
    if (isErrorBody(parsed)) throw new ApiError(res.status, parsed.error.code, parsed.error.message, parsed.error.details)
    throw new ApiError(res.status, res.status >= 500 ? 'internal' : 'http.' + res.status, `HTTP ${res.status}`)
  }

  fileUrl = (id: string, variant: 'original' | 'thumbnail' = 'original') =>
    this.request<{ url: string; expiresAt: string }>('GET', `/files/${enc(id)}/url${query({ variant })}`)

  /** The limits this server runs with (public). */
  config = () => this.request<{ limits: Limits }>('GET', '/config')

  // accounts
  register = (body: RegisterBody) => this.request<{ user: SelfUser }>('POST', '/auth/register', body)
  login = (body: LoginBody) => this.request<LoginResult>('POST', '/auth/login', body)
  logout = () => this.request<null>('POST', '/auth/logout')
  captcha = () => this.request<Captcha>('GET', '/auth/captcha')
  me = () => this.request<SelfUser>('GET', '/me')
  updateMe = (patch: ProfilePatch) => this.request<SelfUser>('PATCH', '/me', patch)
  changePassword = (currentPassword: string, newPassword: string) =>
    this.request<null>('PUT', '/me/password', { currentPassword, newPassword })
  bindEmail = (email: string, password: string) => this.request<unknown>('POST', '/me/email', { email, password })
  verifyEmail = (code: string) => this.request<unknown>('POST', '/me/email/verify', { code })
  requestReset = (email: string) => this.request<unknown>('POST', '/auth/password-reset', { email })
  confirmReset = (email: string, code: string, newPassword: string) =>
    this.request<unknown>('POST', '/auth/password-reset/confirm', { email, code, newPassword })
  sessions = () => this.request<{ items: DeviceSession[] }>('GET', '/me/sessions')
  revokeSession = (id: string) => this.request<unknown>('DELETE', `/me/sessions/${enc(id)}`)
  revokeOtherSessions = () => this.request<unknown>('DELETE', '/me/sessions?others=true')
  deleteAccount = (password: string) => this.request<null>('DELETE', '/me', { password })
  user = (id: string) => this.request<PublicUser>('GET', `/users/${enc(id)}`)
  searchUsers = (q: string) => this.request<Page<PublicUser>>('GET', `/users${query({ q, limit: 20 })}`)

  // friends and blocks
  friends = () => this.request<Page<Friend>>('GET', `/friends${query({ limit: 200 })}`)
  setRemark = (userId: string, remark: string) => this.request<Friend>('PATCH', `/friends/${enc(userId)}`, { remark })
  /** Ends a friendship; `deleteHistory` clears my copy of our direct chat, with `forBoth` the friend's copy too. */
  removeFriend = (userId: string, options: { deleteHistory?: boolean; forBoth?: boolean } = {}) =>
    this.request<null>(
      'DELETE',
      `/friends/${enc(userId)}${query({ deleteHistory: options.deleteHistory || undefined, forBoth: options.forBoth || undefined })}`,
    )
  sendFriendRequest = (body: SendFriendRequestBody) => this.request<{ request: FriendRequest }>('POST', '/friend-requests', body)
  friendRequests = (box: 'incoming' | 'outgoing') =>
    this.request<Page<FriendRequest>>('GET', `/friend-requests${query({ box, limit: 100 })}`)
  acceptFriendRequest = (id: string) => this.request<unknown>('POST', `/friend-requests/${enc(id)}/accept`, {})
  rejectFriendRequest = (id: string) => this.request<unknown>('POST', `/friend-requests/${enc(id)}/reject`, {})
  withdrawFriendRequest = (id: string) => this.request<null>('DELETE', `/friend-requests/${enc(id)}`)
  blocks = () => this.request<Page<BlockedUser>>('GET', `/blocks${query({ limit: 200 })}`)
  block = (userId: string) => this.request<unknown>('PUT', `/blocks/${enc(userId)}`)
  unblock = (userId: string) => this.request<null>('DELETE', `/blocks/${enc(userId)}`)

  // groups
  myGroups = () => this.request<Page<Group>>('GET', `/groups${query({ limit: 200 })}`)
  searchGroups = (q: string) => this.request<Page<Group>>('GET', `/groups${query({ q, limit: 20 })}`)
  group = (id: string) => this.request<Group>('GET', `/groups/${enc(id)}`)
  createGroup = (body: CreateGroupBody) => this.request<{ group: Group } & MemberReport>('POST', '/groups', body)
  joinGroup = (id: string) => this.request<JoinResult | null>('POST', `/groups/${enc(id)}/join`, {})
  leaveGroup = (id: string) => this.request<null>('POST', `/groups/${enc(id)}/leave`, {})
  groupMembers = (id: string) => this.request<Page<Member>>('GET', `/groups/${enc(id)}/members${query({ limit: 200 })}`)
  inviteMembers = (id: string, userIds: string[]) => this.request<MemberReport>('POST', `/groups/${enc(id)}/members`, { userIds })
  updateGroup = (id: string, patch: GroupPatch) => this.request<{ group: Group } | Group>('PATCH', `/groups/${enc(id)}`, patch)
  dissolveGroup = (id: string) => this.request<null>('DELETE', `/groups/${enc(id)}`)
  transferGroup = (id: string, userId: string) => this.request<{ group: Group }>('POST', `/groups/${enc(id)}/transfer`, { userId })
  updateMember = (id: string, userId: string, patch: MemberPatch) =>
    this.request<Member>('PATCH', `/groups/${enc(id)}/members/${enc(userId)}`, patch)
  removeMember = (id: string, userId: string, ban: boolean) =>
    this.request<null>('DELETE', `/groups/${enc(id)}/members/${enc(userId)}${query({ ban: ban || undefined })}`)
  groupBans = (id: string) => this.request<Page<Ban>>('GET', `/groups/${enc(id)}/bans${query({ limit: 100 })}`)
  unban = (id: string, userId: string) => this.request<null>('DELETE', `/groups/${enc(id)}/bans/${enc(userId)}`)
  joinRequests = (id: string) => this.request<Page<JoinRequest>>('GET', `/groups/${enc(id)}/join-requests${query({ limit: 100 })}`)
  answerJoinRequest = (id: string, requestId: string, answer: 'approve' | 'reject') =>
    this.request<unknown>('POST', `/groups/${enc(id)}/join-requests/${enc(requestId)}/${answer}`, {})
  invitations = () => this.request<Page<Invitation>>('GET', `/me/group-invitations${query({ limit: 100 })}`)
  answerInvitation = (id: string, answer: 'accept' | 'reject') =>
    this.request<JoinResult | null>('POST', `/me/group-invitations/${enc(id)}/${answer}`, {})

  // calls (the call itself runs over the socket: `call.*` frames)
  /** STUN/TURN servers with a fresh TURN credential: fetch before each call */
  iceServers = () => this.request<IceServers>('GET', '/calls/ice-servers')
  /** the call running in a conversation (null when none): a group call to join after a reload */
  runningCall = (conversationId: string) => this.request<{ call: Call | null }>('GET', `/conversations/${enc(conversationId)}/call`)

  // conversations and messages
  conversations = (cursor?: string | null) =>
    this.request<Page<Conversation>>('GET', `/conversations${query({ limit: 200, cursor: cursor ?? undefined })}`)
  conversation = (id: string) => this.request<Conversation>('GET', `/conversations/${enc(id)}`)
  world = () => this.request<Conversation>('GET', '/conversations/world')
  direct = (userId: string) => this.request<Conversation>('PUT', `/conversations/direct/${enc(userId)}`)
  updateConversation = (id: string, patch: { pinned?: boolean; muted?: boolean }) =>
    this.request<Conversation>('PATCH', `/conversations/${enc(id)}`, patch)
  messages = (id: string, params: { before?: number; after?: number; limit?: number } = {}) =>
    this.request<MessagePage>('GET', `/conversations/${enc(id)}/messages${query(params)}`)
  send = (id: string, body: SendMessageBody) => this.request<{ message: Message }>('POST', `/conversations/${enc(id)}/messages`, body)
  markRead = (id: string, seq: number) => this.request<{ readSeq: number }>('POST', `/conversations/${enc(id)}/read`, { seq })
  editMessage = (id: string, seq: number, content: TextContent) =>
    this.request<{ message: Message }>('PATCH', `/conversations/${enc(id)}/messages/${seq}`, { content })
  recallMessage = (id: string, seq: number) => this.request<{ message: Message }>('DELETE', `/conversations/${enc(id)}/messages/${seq}`)
  /** Adds my reaction (one emoji; idempotent); the answer carries the message's new `reactions`. */
  react = (id: string, seq: number, emoji: string) =>
    this.request<{ message: Message }>('PUT', `/conversations/${enc(id)}/messages/${seq}/reactions/${enc(emoji)}`)
  /** Takes my reaction back (idempotent). */
  unreact = (id: string, seq: number, emoji: string) =>
    this.request<{ message: Message }>('DELETE', `/conversations/${enc(id)}/messages/${seq}/reactions/${enc(emoji)}`)
  /** Who reacted with `emoji`, paged by user id. */
  reactors = (id: string, seq: number, emoji: string, cursor?: string | null) =>
    this.request<ReactionUsersPage>(
      'GET',
      `/conversations/${enc(id)}/messages/${seq}/reactions/${enc(emoji)}${query({ limit: 200, cursor: cursor ?? undefined })}`,
    )
  /** The pinned messages I may see, with their messages (the conversation view lists only `pins`). */
  pinnedMessages = (id: string) => this.request<{ items: PinnedMessage[] }>('GET', `/conversations/${enc(id)}/pins`)
  /** Pins a message (group owner/admin, either side of a direct chat); the answer is the new pin list. */
  pin = (id: string, seq: number) => this.request<{ pins: Pin[] }>('PUT', `/conversations/${enc(id)}/pins/${seq}`)
  unpin = (id: string, seq: number) => this.request<{ pins: Pin[] }>('DELETE', `/conversations/${enc(id)}/pins/${seq}`)
  /**
   * Finds the messages I may see whose text or file name contains `q` (2–100 characters), newest first;
   * `conversationId` for one chat, `cursor` from the previous page. Render `snippet` pieces as text.
   */
  searchMessages = (q: string, filters: SearchFilters = {}) =>
    this.request<SearchPage>(
      'GET',
      `/search/messages${query({ q, conversationId: filters.conversationId, senderId: filters.senderId, type: filters.types?.join(','), from: filters.from, to: filters.to, cursor: filters.cursor, limit: filters.limit })}`,
    )
  reads = (id: string, seq: number) =>
    this.request<{ count: number; userIds: string[] | null }>('GET', `/conversations/${enc(id)}/messages/${seq}/reads`)
  /** Edits, recalls and reactions after `modSeq`, and the messages I deleted for me since (`hiddenSeqs`). */
  changes = (id: string, modSeq: number, limit = 200) =>
    this.request<MessagePage & { modSeq: number; hiddenSeqs?: number[] }>(
      'GET',
      `/conversations/${enc(id)}/messages${query({ changedSince: modSeq, limit })}`,
    )
  /** Clears my copy of the history (up to its last message); my other devices get `conversation.updated`. */
  clearHistory = (id: string) => this.request<null>('DELETE', `/conversations/${enc(id)}/messages`)
  /** Deletes a message for me only: my devices get `message.hidden`, the others keep it (idempotent). */
  hideMessage = (id: string, seq: number) => this.request<null>('PUT', `/conversations/${enc(id)}/messages/${seq}/hidden`)
  /**
   * Forwards messages of conversation `id` to `targets`: `single` copies each one (naming its original
   * sender), `merged` sends one chat history (type `forward`). A retry with the same `clientMsgId` sends nothing twice.
   */
  forward = (id: string, body: ForwardBody) =>
    this.request<{ results: Array<{ conversationId: string; messages: Message[] }> }>('POST', `/conversations/${enc(id)}/forward`, body)
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (!value || typeof value !== 'object') return false
  const error = (value as { error?: unknown }).error
  return !!error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string'
}

/** Accepts `{[key]: value}` (what the contract says) or a bare value. */
export function unwrap<T extends object>(value: T | Record<string, T>, key: string): T {
  const inner = (value as Record<string, unknown>)[key]
  return inner && typeof inner === 'object' ? (inner as T) : (value as T)
}
