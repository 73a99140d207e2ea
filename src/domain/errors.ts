import type { ErrorCode } from '@jim/protocol'

export type { ErrorCode }

/**
 * The one catalogue of error codes (the code list itself is the wire contract's, @jim/protocol). Each code has a kind (mapped once per transport: HTTP
 * status in `http/error-response.ts`, WS error frames in the gateway) and a default message.
 * Codes are stable, lower-case and dotted; the README and OpenAPI list them from here.
 */

export type ErrorKind =
  | 'invalid' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'timeout' // 408
  | 'too_large' // 413
  | 'range_not_satisfiable' // 416
  | 'refused' // 422
  | 'rate_limited' // 429
  | 'unavailable' // 503
  | 'internal' // 500

const catalogue = {
  // generic
  'request.invalid': ['invalid', 'The request is malformed or fails validation.'],
  'request.invalid_json': ['invalid', 'The body is not valid JSON.'],
  'request.unsupported_media_type': ['invalid', 'Send the body as application/json.'],
  'request.too_large': ['too_large', 'The request body is too large.'],
  'request.aborted': ['invalid', 'The client closed the request before it was complete.'],
  'route.not_found': ['not_found', 'No such endpoint.'],
  rate_limited: ['rate_limited', 'Too many requests; retry after the time in Retry-After.'],
  'service.unavailable': ['unavailable', 'A backing service is unavailable; retry later.'],
  internal: ['internal', 'Something went wrong on our side.'],
  // auth and sessions
  'auth.required': ['unauthenticated', 'Sign in: send Authorization: Bearer <token>.'],
  'auth.invalid_token': ['unauthenticated', 'The token is unknown, expired or revoked; sign in again.'],
  'auth.invalid_credentials': ['unauthenticated', 'Wrong username or password.'],
  'auth.captcha_required': ['refused', 'Solve the captcha and send it with the request.'],
  'auth.captcha_invalid': ['refused', 'The captcha answer is wrong or expired; fetch a new one.'],
  'auth.registration_closed': ['refused', 'Registration is closed.'],
  'auth.weak_password': ['refused', 'The password is too weak.'],
  'auth.wrong_password': ['refused', 'The current password is wrong.'],
  'auth.account_disabled': ['refused', 'This account is disabled.'],
  'auth.forbidden': ['forbidden', 'Your role does not allow this action.'],
  'auth.busy': ['unavailable', 'Too many sign-ins are being checked right now; retry in a few seconds.'],
  'auth.captcha_busy': ['unavailable', 'Too many captchas are pending right now; retry in a few seconds.'],
  'session.not_found': ['not_found', 'No such session.'],
  // e-mail codes (binding an address, password reset)
  'email.code_invalid': ['refused', 'The code is wrong, expired or used up; request a new one.'],
  'email.send_failed': ['unavailable', 'The e-mail could not be sent; try again later.'],
  'email.unsubscribe_invalid': ['invalid', 'This unsubscribe link is not valid; turn the e-mail digest off in the settings instead.'],
  // Web Push
  'push.disabled': ['not_found', 'Web Push is switched off on this server.'],
  'push.endpoint_invalid': ['invalid', 'The push endpoint must be an https URL of a public push service.'],
  'push.subscription_not_found': ['not_found', 'No such push subscription.'],
  // users
  'user.not_found': ['not_found', 'No such user.'],
  'user.username_taken': ['conflict', 'That username is taken.'],
  'user.email_taken': ['conflict', 'That e-mail address is used by another account.'],
  'user.search_query_too_short': ['invalid', 'Search needs at least 2 characters.'],
  // friends and blocks
  'friend.not_found': ['not_found', 'Not a friend.'],
  'friend.self': ['invalid', 'You cannot befriend yourself.'],
  'friend.already_friends': ['conflict', 'You are already friends.'],
  'friend.blocked': ['refused', 'A block between you stops this.'],
  'friend_request.not_found': ['not_found', 'No such friend request.'],
  'friend_request.already_answered': ['conflict', 'That request was already answered or withdrawn.'],
  'friend_request.pending': ['conflict', 'A request to this user is already pending.'],
  'block.self': ['invalid', 'You cannot block yourself.'],
  'block.not_found': ['not_found', 'You have not blocked this user.'],
  // groups
  'group.not_found': ['not_found', 'No such group.'],
  'group.forbidden': ['forbidden', 'Your role in this group does not allow this.'],
  'group.rank': ['forbidden', 'You cannot act on a member of equal or higher rank.'],
  'group.member_limit': ['refused', 'The group is full.'],
  'group.banned': ['refused', 'You are banned from this group.'],
  'group.already_member': ['conflict', 'Already a member.'],
  'group.not_member': ['not_found', 'Not a member of this group.'],
  'group.owner_must_transfer': ['refused', 'The owner must transfer ownership or dissolve the group first.'],
  'group.invite_only': ['refused', 'This group can only be joined by invitation.'],
  'group.invitation_not_found': ['not_found', 'No such invitation.'],
  'group.join_request_not_found': ['not_found', 'No such join request.'],
  'group.already_answered': ['conflict', 'That request was already answered.'],
  'group.ban_not_found': ['not_found', 'That user is not banned.'],
  'group.limit_raise_forbidden': ['forbidden', 'Only system admins can raise the member limit.'],
  // conversations and messages
  'conversation.not_found': ['not_found', 'No such conversation.'],
  'message.not_found': ['not_found', 'No such message.'],
  'message.not_friends': ['refused', 'You can only message friends.'],
  'message.blocked': ['refused', 'A block between you stops direct messages.'],
  'message.muted': ['refused', 'You are muted here.'],
  'message.group_muted': ['refused', 'Only owner and admins may speak while the group is muted.'],
  'message.world_closed': ['refused', 'The world channel is closed.'],
  'message.mention_all_forbidden': ['refused', 'Only group owners and admins may mention @all.'],
  'message.edit_window': ['refused', 'The time to edit this message has passed.'],
  'message.recall_window': ['refused', 'The time to recall this message has passed.'],
  'message.not_editable': ['refused', 'Only your own, unrecalled text messages can be edited.'],
  'message.forbidden': ['forbidden', 'You may not change this message.'],
  // reactions
  'reaction.invalid_emoji': ['invalid', 'A reaction is one emoji (e.g. 👍 or ❤️), nothing else.'],
  'reaction.message_limit': ['refused', 'This message has as many different reactions as it may have; add one of those instead.'],
  'reaction.user_limit': ['refused', 'You have used all your reactions on this message; remove one first.'],
  'reaction.recalled': ['refused', 'A recalled message takes no reactions.'],
  // pinned messages
  'pin.forbidden': ['forbidden', 'Only group owners and admins pin messages (either side in a direct chat; nobody in the world channel).'],
  'pin.limit': ['refused', 'This conversation has as many pinned messages as it may have; unpin one first.'],
  'pin.recalled': ['refused', 'A recalled message cannot be pinned.'],
  'forward.recalled': ['refused', 'A recalled message cannot be forwarded.'],
  'forward.not_forwardable': ['refused', 'System messages cannot be forwarded, nor a chat history into another one.'],
  // calls
  'call.not_found': ['not_found', 'No such call, or it has ended (or it is not yours to see).'],
  'call.not_in_call': ['conflict', 'You are not in this call from this device: join it first.'],
  'call.not_allowed': ['refused', 'Calls are not available in this conversation (the world channel).'],
  'call.blocked': ['refused', 'A block between you stops calls.'],
  'call.busy': ['conflict', 'You are already in a call; hang up first.'],
  'call.running': ['conflict', 'This conversation has a call running: join it (details.callId).'],
  'call.full': ['refused', 'This call has as many participants as it may have.'],
  'call.answered_elsewhere': ['conflict', 'This call was answered on another of your devices.'],
  // search
  'search.query_invalid': ['invalid', 'The search text must be 2 to 100 characters (not only spaces).'],
  'search.filter_invalid': ['invalid', 'A search filter is not valid; see details.field.'],
  // files and media
  'file.not_found': ['not_found', 'No such file (or it is not yours to use or see).'],
  'file.too_large': ['too_large', 'The file is larger than the limit for its kind.'],
  'file.type_mismatch': ['refused', "The file's content does not fit the kind or message type it is used as."],
  'file.invalid_image': ['refused', 'The image could not be decoded.'],
  'file.image_too_large': ['refused', 'The image has too many pixels.'],
  'file.range_not_satisfiable': ['range_not_satisfiable', 'The requested byte range is outside the file; see Content-Range for its size.'],
  'file.quota_exceeded': ['refused', 'Your uploads have reached your storage quota.'],
  'file.upload_too_slow': ['timeout', 'The upload arrived too slowly and was cut off; try again on a better connection.'],
  'file.missing': ['invalid', 'Send one file in a multipart/form-data field named "file".'],
  'sticker.not_found': ['not_found', 'No such sticker.'],
  // admin
  'admin.self': ['invalid', 'Admins cannot do this to their own account.'],
  'admin.user_deleted': ['conflict', 'That account is deleted.'],
} as const satisfies Record<ErrorCode, readonly [ErrorKind, string]>

/** All codes with kind and default message, for docs. */
export const ERROR_CATALOGUE: ReadonlyArray<{ code: ErrorCode; kind: ErrorKind; message: string }> = Object.entries(catalogue).map(
  ([code, [kind, message]]) => ({ code: code as ErrorCode, kind, message }),
)

export function kindOf(code: ErrorCode): ErrorKind {
  return catalogue[code][0]
}

/** The one error type domain code throws. `details` is safe to show to the caller. */
export class AppError extends Error {
  override name = 'AppError'
  readonly code: ErrorCode
  readonly kind: ErrorKind
  readonly details?: unknown
  /** seconds, for rate_limited and unavailable */
  readonly retryAfter?: number

  constructor(code: ErrorCode, message?: string, options: { details?: unknown; retryAfter?: number; cause?: unknown } = {}) {
    super(message ?? catalogue[code][1], { cause: options.cause })
    this.code = code
    this.kind = catalogue[code][0]
    this.details = options.details
    this.retryAfter = options.retryAfter
  }
}
