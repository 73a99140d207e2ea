import type { Role, Scenario } from './authz-scenario.js'

/** One try of a route by one role. */
export interface Attempt {
  path: string
  body?: unknown
  /** the refusal expected: status and error code */
  refused?: [number, string]
  /** or why this role may call it (it only touches the caller's own data); the answer is then checked for leaks */
  own?: string
  /** secrets of the role this answer may show anyway (what anyone may see) */
  mayShow?: (s: Scenario) => string[]
  /** call it with the role's spare session (routes that sign a session out) */
  spare?: true
}

type Row = (s: Scenario, role: Role) => Attempt

const refuse = (path: string, status: number, code: string, body?: unknown): Attempt => ({ path, body, refused: [status, code] })
const own = (path: string, why: string, body?: unknown): Attempt => ({ path, own: why, body })
const mark = (role: Role, what: string) => `${what}-by-${role}`
const notAdmin =
  (path: string, body?: unknown): Row =>
  () =>
    refuse(path, 403, 'auth.forbidden', body)

/** The conversation each role attacks: its former or future group, or someone else's direct chat. */
function conversationOf(s: Scenario, role: Role): string {
  if (role === 'blocked' || role === 'nonAdmin') return s.blockedDirect
  if (role === 'late') return s.direct
  return s.group.conversationId
}

/** Sending where the role may not: across a block, into a former group, into other people's chats. */
function sendRefusal(role: Role): [number, string] {
  if (role === 'blocked') return [422, 'message.blocked']
  return [404, 'conversation.not_found']
}

/**
 * Reading a conversation: outsiders get 404; the blocked peer keeps their history of the chat
 * and the removed member theirs up to their removal (the answer is then checked for leaks).
 */
function readTry(s: Scenario, role: Role, suffix: string, body?: unknown): Attempt {
  const path = `/conversations/${conversationOf(s, role)}${suffix}`
  if (role === 'blocked') return own(path, 'their own history of the chat', body)
  if (role === 'removed') return own(path, 'their history up to the removal', body)
  return { path, body, refused: [404, 'conversation.not_found'] }
}

/** A message each role must not touch: the early one (late joiner), else the first of the conversation they try. */
function messageTry(s: Scenario, role: Role, suffix: '' | '/reads', body?: unknown): Attempt {
  if (role === 'late') {
    return refuse(`/conversations/${s.group.conversationId}/messages/${s.early.seq}${suffix}`, 404, 'message.not_found', body)
  }
  const path = `/conversations/${conversationOf(s, role)}/messages/1${suffix}`
  // the blocked peer may not edit or recall the other side's message; who read what is not a former member's to follow
  if (role === 'blocked') return refuse(path, 404, 'message.not_found', body)
  if (role === 'removed' && suffix === '/reads') return refuse(path, 404, 'group.not_member', body)
  return refuse(path, 404, 'conversation.not_found', body)
}

/**
 * Reacting (and listing who reacted): outsiders and former members get 404, the late joiner 404 on
 * a message before their join or outside their (cleared) copy of the chat.
 */
function reactionTry(s: Scenario, role: Role, listing: boolean): Attempt {
  const thumbs = encodeURIComponent('👍')
  if (role === 'late')
    return refuse(`/conversations/${s.group.conversationId}/messages/${s.early.seq}/reactions/${thumbs}`, 404, 'message.not_found')
  const path = `/conversations/${conversationOf(s, role)}/messages/1/reactions/${thumbs}`
  // the blocked peer's copy of the chat is cleared by then (the message is gone for them); the block rule itself: reactions tests
  if (role === 'blocked')
    return listing ? own(path, 'who reacted in their own history of the chat') : refuse(path, 404, 'message.not_found')
  return refuse(path, 404, 'conversation.not_found')
}

/**
 * Pins: outsiders and former members 404, the late joiner 404 on a message before their join, a
 * plain member 403 (only owner and admins pin in groups); the pin list is read like history.
 */
function pinTry(s: Scenario, role: Role, listing: boolean): Attempt {
  if (listing) return readTry(s, role, '/pins')
  if (role === 'late') return refuse(`/conversations/${s.group.conversationId}/pins/${s.early.seq}`, 404, 'message.not_found')
  if (role === 'nonAdmin') return refuse(`/conversations/${s.group.conversationId}/pins/${s.after.seq}`, 403, 'pin.forbidden')
  const path = `/conversations/${conversationOf(s, role)}/pins/1`
  // the blocked peer's copy of the chat is cleared by then; the block rule itself: pins tests
  return refuse(path, 404, role === 'blocked' ? 'message.not_found' : 'conversation.not_found')
}

/**
 * Delete for me: only in one's own history (a former member still may tidy theirs); the late
 * joiner 404 before their join, the blocked peer 404 on what their cleared copy no longer holds.
 */
function hideTry(s: Scenario, role: Role): Attempt {
  if (role === 'removed') return own(`/conversations/${s.group.conversationId}/messages/${s.early.seq}/hidden`, 'hides only for themselves')
  if (role === 'late') return refuse(`/conversations/${s.group.conversationId}/messages/${s.early.seq}/hidden`, 404, 'message.not_found')
  const path = `/conversations/${conversationOf(s, role)}/messages/1/hidden`
  return refuse(path, 404, role === 'blocked' ? 'message.not_found' : 'conversation.not_found')
}

/** Forwarding: only messages one may read, only to where one may post (the former member reads the early message, but may not post). */
function forwardTry(s: Scenario, role: Role): Attempt {
  const body = (seq: number, target: string) => ({ seqs: [seq], targets: [target], mode: 'single', clientMsgId: mark(role, 'fwd') })
  const group = s.group.conversationId
  if (role === 'late') return refuse(`/conversations/${group}/forward`, 404, 'message.not_found', body(s.early.seq, group))
  // the removed member cleared their copy of the group earlier in the matrix (DELETE …/messages): nothing left to forward
  if (role === 'removed') return refuse(`/conversations/${group}/forward`, 404, 'message.not_found', body(s.early.seq, group))
  const source = conversationOf(s, role)
  return refuse(
    `/conversations/${source}/forward`,
    404,
    role === 'blocked' ? 'message.not_found' : 'conversation.not_found',
    body(1, source),
  )
}

/** Group actions: outsiders and former members get 404 (the group is not theirs to know), members the rule's 403. */
function groupRefusal(role: Role, memberCode = 'group.forbidden'): [number, string] {
  if (role === 'late' || role === 'nonAdmin') return [403, memberCode]
  return [404, 'group.not_member']
}

/** What plain members may do in their group (list members, invite); others are refused. */
function memberTry(s: Scenario, role: Role, path: string, why: string, body?: unknown): Attempt {
  if (role === 'late' || role === 'nonAdmin') return own(path, why, body)
  return { path, body, refused: groupRefusal(role) }
}

/**
 * Every route (`METHOD /path` as in the OpenAPI document, without /api/v1), tried as every role.
 * A route missing here fails the matrix test.
 */
export const ROUTE_ROWS: Record<string, Row> = {
  'POST /auth/logout': () => ({ path: '/auth/logout', own: 'signs out only the calling session', spare: true }),
  'GET /me': () => own('/me', 'my profile'),
  'PATCH /me': (_, r) => own('/me', 'my profile', { bio: mark(r, 'bio') }),
  'DELETE /me': () => refuse('/me', 422, 'auth.wrong_password', { password: 'not-my-password-1' }),
  'PUT /me/password': () =>
    refuse('/me/password', 422, 'auth.wrong_password', { currentPassword: 'not-my-password-1', newPassword: 'another-Strong-pass-99' }),
  'GET /me/sessions': () => own('/me/sessions', 'my devices'),
  'DELETE /me/sessions': () => ({ path: '/me/sessions?others=true', own: 'signs out only my other devices', spare: true }),
  'DELETE /me/sessions/{id}': (s) => refuse(`/me/sessions/${s.owner.sessionId}`, 404, 'session.not_found'),
  'POST /me/email': () => refuse('/me/email', 422, 'auth.wrong_password', { email: 'x@example.com', password: 'not-my-password-1' }),
  'POST /me/email/verify': () => refuse('/me/email/verify', 422, 'email.code_invalid', { code: '000000' }),

  'GET /admin/users': notAdmin('/admin/users'),
  'GET /admin/users/{id}': (s) => refuse(`/admin/users/${s.owner.id}`, 403, 'auth.forbidden'),
  'DELETE /admin/users/{id}': (s) => refuse(`/admin/users/${s.owner.id}`, 403, 'auth.forbidden', {}),
  'POST /admin/users/{id}/disable': (s) => refuse(`/admin/users/${s.owner.id}/disable`, 403, 'auth.forbidden', {}),
  'POST /admin/users/{id}/enable': (s) => refuse(`/admin/users/${s.owner.id}/enable`, 403, 'auth.forbidden', {}),
  'GET /admin/registration': notAdmin('/admin/registration'),
  'PATCH /admin/registration': notAdmin('/admin/registration', { open: false }),
  'GET /admin/audit-log': notAdmin('/admin/audit-log'),
  'GET /admin/world': notAdmin('/admin/world'),
  'PUT /admin/world': notAdmin('/admin/world', { open: false }),
  'PUT /admin/world/mutes/{userId}': (s) =>
    refuse(`/admin/world/mutes/${s.owner.id}`, 403, 'auth.forbidden', { until: '2030-01-01T00:00:00Z' }),
  'DELETE /admin/world/mutes/{userId}': (s) => refuse(`/admin/world/mutes/${s.owner.id}`, 403, 'auth.forbidden'),
  'PUT /admin/groups/{id}/member-limit': (s) =>
    refuse(`/admin/groups/${s.group.id}/member-limit`, 403, 'auth.forbidden', { maxMembers: 3 }),

  'GET /users/{id}': (s) => own(`/users/${s.owner.id}`, 'public profiles are public'),
  'GET /users': (s) => own(`/users?q=${s.owner.username}`, 'search shows public profiles'),
  'GET /friends': () => own('/friends', 'my friends'),
  'PATCH /friends/{userId}': (s, r) =>
    r === 'late' || r === 'removed' || r === 'nonAdmin'
      ? refuse(`/friends/${s.other.id}`, 404, 'friend.not_found', { remark: mark(r, 'remark') })
      : refuse(`/friends/${s.owner.id}`, 404, 'friend.not_found', { remark: mark(r, 'remark') }),
  'DELETE /friends/{userId}': (s, r) =>
    refuse(`/friends/${r === 'stranger' || r === 'blocked' ? s.owner.id : s.other.id}`, 404, 'friend.not_found'),
  'POST /friend-requests': (s, r) =>
    r === 'blocked'
      ? refuse('/friend-requests', 422, 'friend.blocked', { userId: s.owner.id, greeting: mark(r, 'greeting') })
      : own('/friend-requests', 'anyone may ask anyone who has not blocked them', {
          userId: s.applicant.id,
          greeting: mark(r, 'greeting'),
        }),
  'GET /friend-requests': () => own('/friend-requests', 'my requests'),
  'POST /friend-requests/{id}/accept': (s) => refuse(`/friend-requests/${s.friendRequestId}/accept`, 404, 'friend_request.not_found'),
  'POST /friend-requests/{id}/reject': (s) => refuse(`/friend-requests/${s.friendRequestId}/reject`, 404, 'friend_request.not_found'),
  'DELETE /friend-requests/{id}': (s) => refuse(`/friend-requests/${s.friendRequestId}`, 404, 'friend_request.not_found'),
  'GET /blocks': () => own('/blocks', 'my blocks'),
  'PUT /blocks/{userId}': (s) => own(`/blocks/${s.applicant.id}`, 'anyone may block anyone'),
  'DELETE /blocks/{userId}': (s) => own(`/blocks/${s.applicant.id}`, 'my blocks'),

  'POST /groups': (_, r) => own('/groups', 'anyone may found a group', { name: mark(r, 'group') }),
  'GET /groups': () => own('/groups', 'my groups'),
  // its current name too, to anyone (former members included); invite-only groups have none
  'GET /groups/{id}': (s) => ({
    ...own(`/groups/${s.group.id}`, 'an approval group shows its public card to anyone'),
    mayShow: (sc) => [sc.group.renamed],
  }),
  'PATCH /groups/{id}': (s, r) => ({ path: `/groups/${s.group.id}`, body: { name: mark(r, 'name') }, refused: groupRefusal(r) }),
  'DELETE /groups/{id}': (s, r) => ({ path: `/groups/${s.group.id}`, refused: groupRefusal(r) }),
  'POST /groups/{id}/join': (s, r) =>
    r === 'late' || r === 'nonAdmin'
      ? refuse(`/groups/${s.group.id}/join`, 409, 'group.already_member', { message: mark(r, 'join') })
      : own(`/groups/${s.group.id}/join`, 'anyone may ask to join an approval group', { message: mark(r, 'join') }),
  // members may leave; they try a group they are not in
  'POST /groups/{id}/leave': (s, r) =>
    r === 'late' || r === 'nonAdmin'
      ? refuse(`/groups/${s.privateGroupId}/leave`, 404, 'group.not_found')
      : { path: `/groups/${s.group.id}/leave`, refused: groupRefusal(r) },
  'POST /groups/{id}/transfer': (s, r) => ({
    path: `/groups/${s.group.id}/transfer`,
    body: { userId: s.users[r].id },
    refused: groupRefusal(r),
  }),
  'GET /groups/{id}/members': (s, r) => memberTry(s, r, `/groups/${s.group.id}/members`, 'members see each other'),
  'POST /groups/{id}/members': (s, r) =>
    memberTry(s, r, `/groups/${s.group.id}/members`, 'members may invite into a group that is not invite-only', {
      userIds: [s.applicant.id],
    }),
  'PATCH /groups/{id}/members/{userId}': (s, r) => ({
    path: `/groups/${s.group.id}/members/${s.owner.id}`,
    body: { groupNickname: mark(r, 'nick') },
    refused: groupRefusal(r, 'group.rank'),
  }),
  'DELETE /groups/{id}/members/{userId}': (s, r) => ({ path: `/groups/${s.group.id}/members/${s.owner.id}`, refused: groupRefusal(r) }),
  'GET /groups/{id}/bans': (s, r) => ({ path: `/groups/${s.group.id}/bans`, refused: groupRefusal(r) }),
  'DELETE /groups/{id}/bans/{userId}': (s, r) => ({ path: `/groups/${s.group.id}/bans/${s.owner.id}`, refused: groupRefusal(r) }),
  'GET /groups/{id}/join-requests': (s, r) => ({ path: `/groups/${s.group.id}/join-requests`, refused: groupRefusal(r) }),
  'POST /groups/{id}/join-requests/{requestId}/approve': (s, r) => ({
    path: `/groups/${s.group.id}/join-requests/${s.joinRequestId}/approve`,
    refused: groupRefusal(r),
  }),
  'POST /groups/{id}/join-requests/{requestId}/reject': (s, r) => ({
    path: `/groups/${s.group.id}/join-requests/${s.joinRequestId}/reject`,
    refused: groupRefusal(r),
  }),
  'GET /me/group-invitations': () => own('/me/group-invitations', 'my invitations'),
  'POST /me/group-invitations/{id}/accept': (s) =>
    refuse(`/me/group-invitations/${s.invitationId}/accept`, 404, 'group.invitation_not_found'),
  'POST /me/group-invitations/{id}/reject': (s) =>
    refuse(`/me/group-invitations/${s.invitationId}/reject`, 404, 'group.invitation_not_found'),

  'GET /conversations': () => own('/conversations', 'my conversations'),
  'GET /conversations/world': () => own('/conversations/world', 'the world channel is everyone’s'),
  'PUT /conversations/direct/{userId}': (s, r) =>
    r === 'stranger'
      ? refuse(`/conversations/direct/${s.owner.id}`, 422, 'message.not_friends')
      : own(`/conversations/direct/${s.owner.id}`, r === 'blocked' ? 'the chat they already had (sending is refused)' : 'they are friends'),
  'GET /conversations/{id}': (s, r) => readTry(s, r, ''),
  'PATCH /conversations/{id}': (s, r) => readTry(s, r, '', { pinned: true }),
  'POST /conversations/{id}/read': (s, r) => readTry(s, r, '/read', { seq: 1 }),
  'DELETE /conversations/{id}/messages': (s, r) => readTry(s, r, '/messages'),
  'GET /conversations/{id}/messages': (s, r) => readTry(s, r, '/messages'),
  'POST /conversations/{id}/messages': (s, r) => ({
    path: `/conversations/${conversationOf(s, r)}/messages`,
    body: { clientMsgId: mark(r, 'send'), type: 'text', content: { text: mark(r, 'send') } },
    refused: sendRefusal(r),
  }),
  'PATCH /conversations/{id}/messages/{seq}': (s, r) => messageTry(s, r, '', { content: { text: mark(r, 'edit') } }),
  'DELETE /conversations/{id}/messages/{seq}': (s, r) => messageTry(s, r, ''),
  'GET /conversations/{id}/messages/{seq}/reads': (s, r) =>
    r === 'blocked'
      ? own(`/conversations/${s.blockedDirect}/messages/1/reads`, 'their own receipts only (the blocker’s are not shown)')
      : messageTry(s, r, '/reads'),
  'PUT /conversations/{id}/messages/{seq}/reactions/{emoji}': (s, r) => reactionTry(s, r, false),
  'DELETE /conversations/{id}/messages/{seq}/reactions/{emoji}': (s, r) => reactionTry(s, r, false),
  'GET /conversations/{id}/messages/{seq}/reactions/{emoji}': (s, r) => reactionTry(s, r, true),
  'GET /conversations/{id}/pins': (s, r) => pinTry(s, r, true),
  'PUT /conversations/{id}/pins/{seq}': (s, r) => pinTry(s, r, false),
  'DELETE /conversations/{id}/pins/{seq}': (s, r) => pinTry(s, r, false),
  'PUT /conversations/{id}/messages/{seq}/hidden': (s, r) => hideTry(s, r),
  'POST /conversations/{id}/forward': (s, r) => forwardTry(s, r),
  // the running call: only current members may know of one (the blocked peer asks about their own chat)
  'GET /conversations/{id}/call': (s, r) =>
    r === 'blocked'
      ? own(`/conversations/${s.blockedDirect}/call`, 'whether their own chat has a call')
      : refuse(`/conversations/${conversationOf(s, r)}/call`, 404, 'conversation.not_found'),
  'GET /calls/ice-servers': () => own('/calls/ice-servers', 'a TURN credential for themselves'),

  // every role searches for the scenario's tag, in every text and file name: only what it may see comes back
  'GET /search/messages': (s) => own(`/search/messages?q=${s.early.text.slice('early-'.length)}`, 'finds only messages the caller may see'),

  // notifications: every route is the caller's own (subscriptions are looked up by user and id)
  'GET /push/config': () => own('/push/config', 'the public VAPID key'),
  'POST /me/push-subscriptions': () => own('/me/push-subscriptions', 'a subscription of their own session'),
  'DELETE /me/push-subscriptions/{id}': (s) => refuse(`/me/push-subscriptions/${s.owner.id}`, 404, 'push.subscription_not_found'),
  'GET /me/notification-settings': () => own('/me/notification-settings', 'their own settings'),
  'PATCH /me/notification-settings': () => own('/me/notification-settings', 'their own settings', { previews: false }),

  'POST /files': () => ({ path: '/files', own: 'anyone may upload (limits: files-limits tests)' }),
  'GET /files/{id}': (s, r) => fileRow(s, r, ''),
  'HEAD /files/{id}': (s, r) => fileRow(s, r, ''),
  'GET /files/{id}/thumbnail': (s, r) => fileRow(s, r, '/thumbnail'),
  'HEAD /files/{id}/thumbnail': (s, r) => fileRow(s, r, '/thumbnail'),
  'GET /files/{id}/url': (s, r) => fileRow(s, r, '/url'),
}

function fileRow(s: Scenario, role: Role, suffix: string): Attempt {
  // the early file stays readable to the removed member (it is in their history range)
  if (role === 'removed' || role === 'nonAdmin') return own(`/files/${s.early.fileId}${suffix}`, 'the file is in their history')
  return refuse(`/files/${s.early.fileId}${suffix}`, 404, 'file.not_found')
}

/**
 * The routes meant to answer without a session (any other that does is a finding, see
 * authz-matrix.test.ts); the signed file URLs carry their own credential (404 without it).
 */
export const PUBLIC_ROUTES = new Set([
  'POST /auth/register',
  'POST /auth/login',
  'GET /auth/captcha',
  'POST /auth/password-reset',
  'POST /auth/password-reset/confirm',
  'GET /files/{id}/content',
  'HEAD /files/{id}/content',
  'GET /files/{id}/thumbnail/content',
  'HEAD /files/{id}/thumbnail/content',
  'GET /stickers',
  'GET /config',
  // the digest's unsubscribe link works without signing in: its signed token is the credential
  'GET /notifications/unsubscribe',
  'POST /notifications/unsubscribe',
])
