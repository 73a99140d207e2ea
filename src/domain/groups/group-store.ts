import type {
  Group,
  GroupBan,
  GroupInvitation,
  GroupJoinRequest,
  GroupMember,
  GroupMemberContext,
  GroupRole,
  JoinPolicy,
  JoinVia,
  LeaveReason,
} from './group.js'
import type { Message } from '../messages/message.js'
import type { ErrorCode } from '../errors.js'
import type { GroupRules } from './group-rules.js'

/**
 * What a committed change wrote that must be published: the `system` messages (in seq order)
 * and the conversation's `membership_version` after it, plus the current members afterwards
 * (the people to tell).
 */
export interface GroupChange {
  messages: Message[]
  membershipVersion: number
  memberIds: string[]
}

export interface NewGroup {
  id: string
  conversationId: string
  name: string
  avatarFileId: string | null
  joinPolicy: JoinPolicy
  maxMembers: number
  ownerId: string
  /** join at once with the owner (the caller checked they may; at most maxMembers - 1) */
  memberIds: readonly string[]
  /** get a pending invitation from the owner */
  inviteeIds: readonly string[]
  now: number
}

export interface GroupPatch {
  name?: string
  avatarFileId?: string | null
  announcement?: string
  joinPolicy?: JoinPolicy
  muteAll?: boolean
}

export interface MemberPatch {
  role?: Exclude<GroupRole, 'owner'>
  groupNickname?: string
  /** null lifts the mute */
  silencedUntil?: number | null
}

export interface AddMembersInput {
  groupId: string
  userIds: readonly string[]
  actorId: string
  via: JoinVia
  now: number
  /** accept this pending invitation in the same transaction (else `group.already_answered`) */
  invitationId?: string
  /** approve this pending join request in the same transaction (else `group.already_answered`) */
  joinRequestId?: string
  /**
   * true: any refusal throws its AppError and nothing is written (single joins);
   * false: refusals are reported per id and the others are added (bulk invites)
   */
  all: boolean
}

export interface AddMembersResult {
  group: Group
  added: GroupMember[]
  refused: Array<{ userId: string; code: ErrorCode }>
  /** null when nobody was added (nothing to publish) */
  change: GroupChange | null
}

export interface Paging {
  after: string | null
  limit: number
}

/**
 * Groups and their memberships. Every method that changes membership, roles, mutes or the
 * profile writes its `system` message (via the conversation's gapless `seq` counter) and, for
 * membership and role changes, bumps `membership_version`, all in ONE transaction. Every such
 * transaction first locks the group row, so membership changes of one group are serialized;
 * `member_count` is kept exact with a conditional increment that enforces `max_members`.
 *
 * A joining member's `join_seq` is the seq of the message announcing their joining; a leaving
 * member's `left_seq` is the seq of the notice of their leaving. Rejoining reuses the row with
 * a new `join_seq` and `left_seq = null`: a rejoined member sees history from the new join only.
 */
export interface GroupStore {
  /**
   * Creates the group, its conversation, the owner's (and `memberIds`') memberships, a
   * `group_created` system message (seq 1, everyone's `join_seq`) and the invitations.
   */
  create(input: NewGroup): Promise<{ group: Group; invitations: GroupInvitation[]; change: GroupChange }>
  /** A live group (dissolved groups are gone), or null. */
  findById(id: string): Promise<Group | null>
  /** The group, the user's current membership (null if not a member) and whether they are banned; null if no such group. */
  access(groupId: string, userId: string): Promise<{ group: Group; member: GroupMember | null; banned: boolean } | null>
  /** Groups the user is a current member of, with their role, by group id. */
  listForUser(userId: string, page: Paging): Promise<Array<{ group: Group; role: GroupRole }>>
  /** `open` and `approval` groups whose lower-cased name starts with `prefix`, by id. */
  search(prefix: string, page: Paging): Promise<Group[]>
  /** Applies a profile patch with a `group_updated` system message; null if the group is gone. */
  updateProfile(groupId: string, actorId: string, patch: GroupPatch, now: number): Promise<{ group: Group; change: GroupChange } | null>
  /**
   * Dissolves: a `group_dissolved` message ends every membership (`left_seq` = its seq), then
   * the group, its bans, invitations and join requests are deleted. The conversation and its
   * history stay, readable by former members up to their `left_seq`. Null if already gone.
   */
  dissolve(groupId: string, actorId: string, now: number): Promise<{ group: Group; change: GroupChange; formerMemberIds: string[] } | null>
  /**
   * Adds users (see AddMembersInput.all). Under the group row's lock it hands the facts to
   * `rules` (`groupRules`): `found` (the group), `stillPending` (the answered invitation or join
   * request), `admission` (who is a member, banned, or found no place below `max_members`),
   * which names the refusals or throws; a throw writes nothing. One `member_joined` message
   * (one user, `via` join/invitation/request) or `members_added` (added by someone else)
   * announces the others. Also closes their other pending invitations and join requests here.
   */
  addMembers(input: AddMembersInput, rules: GroupRules): Promise<AddMembersResult>
  /**
   * Ends a current membership with a `member_left` message (`reason`); `banned` also records
   * the ban and cancels the user's pending join requests and invitations. First `rules.found`
   * and `rules.leave` judge the group and the membership read under the group row's lock.
   */
  removeMember(
    input: { groupId: string; userId: string; actorId: string; reason: LeaveReason; now: number },
    rules: GroupRules,
  ): Promise<GroupChange>
  /** Bans a user who is not a member (a former member, say), after `rules.found`. False if already banned. */
  ban(groupId: string, userId: string, actorId: string, now: number, rules: GroupRules): Promise<boolean>
  /** Lifts a ban; false if there was none. */
  liftBan(groupId: string, userId: string): Promise<boolean>
  listBans(groupId: string, page: Paging): Promise<GroupBan[]>
  /** A current member, or null. */
  findMember(groupId: string, userId: string): Promise<GroupMember | null>
  /** Current members by user id. */
  listMembers(groupId: string, page: Paging): Promise<GroupMember[]>
  /** Current owner and admins. */
  managerIds(groupId: string): Promise<string[]>
  /** Which of `userIds` are current members, and which are banned. */
  standing(groupId: string, userIds: readonly string[]): Promise<{ memberIds: Set<string>; bannedIds: Set<string> }>
  /**
   * Changes a member's role (`member_role_changed` message, version bump), mute
   * (`member_muted`/`member_unmuted` message) and nickname (no message). `change` is null when
   * no message was written. First `rules.found` and `rules.changeMember` judge the group and
   * the membership read under the group row's lock.
   */
  updateMember(
    groupId: string,
    userId: string,
    patch: MemberPatch,
    actorId: string,
    now: number,
    rules: GroupRules,
  ): Promise<{ member: GroupMember; change: GroupChange | null }>
  /**
   * Makes `toId` (a current member) owner and the old owner an admin, with an
   * `owner_transferred` message and a version bump, after `rules.found` and `rules.transfer`
   * judged the group and `toId`'s membership read under the group row's lock.
   */
  transfer(groupId: string, fromId: string, toId: string, now: number, rules: GroupRules): Promise<{ group: Group; change: GroupChange }>
  /** Sets the member limit (system admins only; may be below the current count: nobody new joins then). */
  setMaxMembers(groupId: string, maxMembers: number, now: number): Promise<Group | null>

  /** Creates pending invitations; an already pending one for the same invitee is returned instead (`created: false`). */
  createInvitations(
    groupId: string,
    inviterId: string,
    inviteeIds: readonly string[],
    now: number,
  ): Promise<Array<{ invitation: GroupInvitation; created: boolean }>>
  findInvitation(id: string): Promise<GroupInvitation | null>
  /** Pending invitations to the user, newest first (`after` = the last id of the previous page). */
  listInvitationsFor(userId: string, page: Paging): Promise<GroupInvitation[]>
  /** Marks a pending invitation accepted or rejected; false if it was not pending. */
  answerInvitation(id: string, status: 'accepted' | 'rejected', now: number): Promise<boolean>

  /** The user's pending request, or a new one (`created` tells which). */
  createJoinRequest(groupId: string, userId: string, message: string, now: number): Promise<{ request: GroupJoinRequest; created: boolean }>
  findJoinRequest(id: string): Promise<GroupJoinRequest | null>
  /** Pending join requests of a group, oldest first. */
  listJoinRequests(groupId: string, page: Paging): Promise<GroupJoinRequest[]>
  /** Marks a pending request rejected; false if it was not pending. */
  rejectJoinRequest(id: string, deciderId: string, now: number): Promise<boolean>

  /**
   * For the send path: the sender's standing in a group conversation (role, own mute, the
   * group's muteAll). Null when the conversation is not a live group's.
   */
  memberContext(conversationId: string, userId: string): Promise<GroupMemberContext | null>
  /** Ids of groups the user currently owns. */
  ownedGroupIds(userId: string): Promise<string[]>
  /** Ids of groups the user is a current member of (any role). */
  memberGroupIds(userId: string): Promise<string[]>
  /** The member to hand a group over to: the longest-standing admin, else member, other than `excludeUserId`. */
  successor(groupId: string, excludeUserId: string): Promise<string | null>
}
