import type { Logger } from 'pino'
import { cleanDisplayText } from '../display-text.js'
import type { Broker } from '../broker.js'
import type { Clock } from '../../shared/clock.js'
import { isId } from '../../shared/ids.js'
import type { Store } from '../store.js'
import { AppError } from '../errors.js'
import type { Page } from '../users/user-service.js'
import type { User } from '../users/user.js'
import { GroupAccess } from './group-access.js'
import { sortCandidates } from './group-candidates.js'
import { GroupNotifier } from './group-notifier.js'
import { groupRules, standingRefusal } from './group-rules.js'
import type { MemberReport, PageInput } from './group-service.js'
import { banView, invitationView, joinRequestView, type InvitationView, type JoinRequestView, type MemberView } from './group-views.js'
import { isManager, outranks, type Group, type GroupJoinRequest, type GroupMember, type JoinVia } from './group.js'

/** What a join (or accepting an invitation) led to: membership now, or a request for admins to decide. */
export type JoinOutcome = { kind: 'joined'; group: Group; member: MemberView } | { kind: 'requested'; request: JoinRequestView }

export interface MemberUpdate {
  role?: 'admin' | 'member'
  groupNickname?: string
  /** epoch ms in the future, or null to lift the mute */
  mutedUntil?: number | null
}

/**
 * Membership: joining by policy, leaving, invitations, join requests, roles, mutes, nicknames,
 * removals and bans. The rank rule (owner > admin > member; nobody acts on equal or higher
 * rank) is checked here; the store makes each change atomic with its system message.
 */
export class GroupMemberService {
  readonly #store: Store
  readonly #clock: Clock
  readonly #access: GroupAccess
  readonly #notify: GroupNotifier

  constructor(deps: { store: Store; broker: Broker; clock: Clock; logger: Logger }) {
    this.#store = deps.store
    this.#clock = deps.clock
    this.#access = new GroupAccess(deps.store.groups)
    this.#notify = new GroupNotifier(deps)
  }

  /** `open`: join now; `approval`: a pending join request (the same one if asked again); `invite`: refused. */
  async join(actor: User, groupId: string, message: string): Promise<JoinOutcome> {
    const { group, member, banned } = await this.#access.load(groupId, actor.id)
    if (member) throw new AppError('group.already_member')
    if (banned) throw new AppError('group.banned')
    switch (group.joinPolicy) {
      case 'invite':
        throw new AppError('group.invite_only')
      case 'approval':
        return { kind: 'requested', request: await this.#requestToJoin(group, actor, message) }
      case 'open':
        return this.#admit(group.id, actor.id, actor.id, 'join', {})
    }
  }

  /** Leaves a group; the owner must transfer it (or dissolve it) first. */
  async leave(userId: string, groupId: string): Promise<void> {
    const { group, member } = await this.#access.member(groupId, userId)
    if (member.role === 'owner') throw new AppError('group.owner_must_transfer')
    const change = await this.#store.groups.removeMember(
      { groupId, userId, actorId: userId, reason: 'left', now: this.#clock.now() },
      groupRules,
    )
    this.#notify.log('group.member_left', { groupId, userId, reason: 'left' }, 'member left group')
    await this.#notify.memberLeft(group, userId, 'left', userId, change)
  }

  async listMembers(userId: string, groupId: string, page: PageInput): Promise<Page<MemberView>> {
    await this.#access.member(groupId, userId)
    const rows = await this.#store.groups.listMembers(groupId, { after: page.cursor, limit: page.limit + 1 })
    const items = rows.slice(0, page.limit)
    return { items: await this.#notify.memberViews(items), nextCursor: rows.length > page.limit ? items.at(-1)!.userId : null }
  }

  /**
   * Brings people in. The inviter's friends join at once in `open` and `invite` groups, and in
   * `approval` groups when the inviter is owner or admin; everyone else gets an invitation
   * (accepting a plain member's invitation to an `approval` group files a join request).
   */
  async invite(actor: User, groupId: string, userIds: readonly string[]): Promise<MemberReport> {
    const { group, member } = await this.#access.member(groupId, actor.id)
    const { friends, others, refused } = await sortCandidates(this.#store, actor.id, userIds)
    const direct = group.joinPolicy !== 'approval' || isManager(member.role) ? friends : []
    const inviteIds = direct === friends ? others : [...friends, ...others]
    const standing = await this.#store.groups.standing(groupId, inviteIds)
    const toInvite: string[] = []
    for (const userId of inviteIds) {
      const code = standingRefusal({ member: standing.memberIds.has(userId), banned: standing.bannedIds.has(userId) })
      if (code) refused.push({ userId, code })
      else toInvite.push(userId)
    }
    const now = this.#clock.now()
    let added: GroupMember[] = []
    if (direct.length > 0) {
      const result = await this.#store.groups.addMembers(
        { groupId, userIds: direct, actorId: actor.id, via: 'added', now, all: false },
        groupRules,
      )
      added = result.added
      refused.push(...result.refused)
      await this.#notify.membersJoined(result.group, added, actor.id, 'added', result.change)
    }
    const invitations = await this.#store.groups.createInvitations(groupId, actor.id, toInvite, now)
    for (const { invitation, created } of invitations) {
      if (created)
        await this.#notify.push([invitation.inviteeId], { type: 'group.invitation', invitation: invitationView(invitation, group, actor) })
    }
    const report = {
      added: added.map((m) => m.userId),
      invited: invitations.map(({ invitation }) => ({ userId: invitation.inviteeId, invitationId: invitation.id })),
      refused,
    }
    this.#notify.log('group.members_invited', { groupId, userId: actor.id, ...report }, 'members invited')
    return report
  }

  /** My pending invitations, newest first (only those whose inviter is still a member). */
  async listMyInvitations(userId: string, page: PageInput): Promise<Page<InvitationView>> {
    const rows = await this.#store.groups.listInvitationsFor(userId, { after: page.cursor, limit: page.limit + 1 })
    const items = rows.slice(0, page.limit)
    const groups = new Map<string, Group>()
    for (const groupId of new Set(items.map((i) => i.groupId))) {
      const group = await this.#store.groups.findById(groupId)
      if (group) groups.set(groupId, group)
    }
    const valid = new Set<string>()
    for (const i of items) if (await this.#inviterStillMember(i)) valid.add(i.id)
    const inviters = await this.#notify.usersById(items.map((i) => i.inviterId))
    return {
      items: items.flatMap((i) => {
        const group = groups.get(i.groupId)
        return group && valid.has(i.id) ? [invitationView(i, group, inviters.get(i.inviterId))] : []
      }),
      nextCursor: rows.length > page.limit ? items.at(-1)!.id : null,
    }
  }

  async acceptInvitation(actor: User, invitationId: string): Promise<JoinOutcome> {
    const invitation = await this.#myPendingInvitation(actor.id, invitationId)
    const found = await this.#store.groups.access(invitation.groupId, actor.id)
    if (!found) throw new AppError('group.invitation_not_found')
    if (found.member) throw new AppError('group.already_member')
    if (found.banned) throw new AppError('group.banned')
    if (found.group.joinPolicy === 'approval') {
      const inviter = await this.#store.groups.findMember(found.group.id, invitation.inviterId)
      if (!inviter || !isManager(inviter.role)) {
        if (!(await this.#store.groups.answerInvitation(invitation.id, 'accepted', this.#clock.now())))
          throw new AppError('group.already_answered')
        this.#notify.log('group.invitation_accepted', { groupId: found.group.id, userId: actor.id, invitationId }, 'invitation accepted')
        return { kind: 'requested', request: await this.#requestToJoin(found.group, actor, '') }
      }
    }
    return this.#admit(found.group.id, actor.id, actor.id, 'invitation', { invitationId })
  }

  async rejectInvitation(userId: string, invitationId: string): Promise<void> {
    const invitation = await this.#myPendingInvitation(userId, invitationId)
    if (!(await this.#store.groups.answerInvitation(invitation.id, 'rejected', this.#clock.now())))
      throw new AppError('group.already_answered')
    this.#notify.log('group.invitation_rejected', { groupId: invitation.groupId, userId, invitationId }, 'invitation rejected')
  }

  /**
   * Role (owner only, on admins and members), mute (owner/admin on lower rank) and group
   * nickname (one's own, or by higher rank). All checks pass before anything is written.
   */
  async updateMember(actorId: string, groupId: string, targetId: string, patch: MemberUpdate): Promise<MemberView> {
    const { member: actor } = await this.#access.member(groupId, actorId)
    const target = isId(targetId) ? await this.#store.groups.findMember(groupId, targetId) : null
    if (!target) throw new AppError('group.not_member', 'That user is not a member of this group.')
    const self = target.userId === actorId
    const now = this.#clock.now()
    if (patch.role !== undefined) {
      if (actor.role !== 'owner') throw new AppError('group.forbidden', 'Only the owner can change roles.')
      if (self) throw new AppError('group.forbidden', 'The owner’s role changes only by transferring the group.')
    }
    if (patch.mutedUntil !== undefined) {
      if (!isManager(actor.role)) throw new AppError('group.forbidden', 'Only the owner and admins can mute members.')
      if (self || !outranks(actor.role, target.role)) throw new AppError('group.rank')
      if (patch.mutedUntil !== null && patch.mutedUntil <= now) {
        throw new AppError('request.invalid', 'mutedUntil must be in the future (null lifts the mute).', {
          details: [{ field: 'mutedUntil' }],
        })
      }
    }
    if (patch.groupNickname !== undefined && !self && !outranks(actor.role, target.role)) throw new AppError('group.rank')

    const { member, change } = await this.#store.groups.updateMember(
      groupId,
      target.userId,
      {
        role: patch.role,
        groupNickname: patch.groupNickname === undefined ? undefined : cleanDisplayText(patch.groupNickname),
        silencedUntil: patch.mutedUntil,
      },
      actorId,
      now,
      groupRules,
    )
    const changes = (['role', 'mutedUntil', 'groupNickname'] as const).filter((field) => patch[field] !== undefined)
    this.#notify.log('group.member_updated', { groupId, userId: actorId, targetId: target.userId, fields: changes }, 'group member updated')
    const [view] = await this.#notify.memberViews([member])
    await this.#notify.messages(change)
    const audience = change?.memberIds ?? (await this.#notify.allMemberIds(groupId))
    await this.#notify.push(audience, { type: 'group.member_updated', groupId, member: view!, actorId, changes })
    return view!
  }

  /**
   * Owner/admin removes a lower-ranked member, optionally banning them. `ban` on someone who
   * is not a member (a former member, say) just records the ban.
   */
  async removeMember(actorId: string, groupId: string, targetId: string, ban: boolean): Promise<void> {
    const access = await this.#access.manager(groupId, actorId)
    const current = isId(targetId) ? await this.#store.groups.findMember(groupId, targetId) : null
    if (!current) {
      if (!ban) throw new AppError('group.not_member', 'That user is not a member of this group.')
      const user = isId(targetId) ? await this.#store.users.findById(targetId) : null
      if (!user) throw new AppError('user.not_found')
      await this.#store.groups.ban(groupId, targetId, actorId, this.#clock.now(), groupRules)
      this.#notify.log('group.member_banned', { groupId, userId: actorId, targetId, wasMember: false }, 'user banned from group')
      return
    }
    const target = await this.#access.target(access, targetId)
    const reason = ban ? 'banned' : 'removed'
    const change = await this.#store.groups.removeMember(
      { groupId, userId: target.userId, actorId, reason, now: this.#clock.now() },
      groupRules,
    )
    this.#notify.log('group.member_removed', { groupId, userId: actorId, targetId, banned: ban }, 'member removed from group')
    await this.#notify.memberLeft(access.group, target.userId, reason, actorId, change)
  }

  async listBans(actorId: string, groupId: string, page: PageInput): Promise<Page<ReturnType<typeof banView>>> {
    await this.#access.manager(groupId, actorId)
    const rows = await this.#store.groups.listBans(groupId, { after: page.cursor, limit: page.limit + 1 })
    const items = rows.slice(0, page.limit)
    const users = await this.#notify.usersById(items.map((b) => b.userId))
    return { items: items.map((b) => banView(b, users.get(b.userId))), nextCursor: rows.length > page.limit ? items.at(-1)!.userId : null }
  }

  async liftBan(actorId: string, groupId: string, userId: string): Promise<void> {
    await this.#access.manager(groupId, actorId)
    if (!(isId(userId) && (await this.#store.groups.liftBan(groupId, userId)))) throw new AppError('group.ban_not_found')
    this.#notify.log('group.ban_lifted', { groupId, userId: actorId, targetId: userId }, 'group ban lifted')
  }

  async listJoinRequests(actorId: string, groupId: string, page: PageInput): Promise<Page<JoinRequestView>> {
    await this.#access.manager(groupId, actorId)
    const rows = await this.#store.groups.listJoinRequests(groupId, { after: page.cursor, limit: page.limit + 1 })
    const items = rows.slice(0, page.limit)
    const users = await this.#notify.usersById(items.map((r) => r.userId))
    return {
      items: items.map((r) => joinRequestView(r, users.get(r.userId))),
      nextCursor: rows.length > page.limit ? items.at(-1)!.id : null,
    }
  }

  async approveJoinRequest(actorId: string, groupId: string, requestId: string): Promise<MemberView> {
    await this.#access.manager(groupId, actorId)
    const request = await this.#pendingRequest(groupId, requestId)
    const user = await this.#store.users.findById(request.userId)
    if (!user || user.state !== 'active') throw new AppError('user.not_found')
    const outcome = await this.#admit(groupId, request.userId, actorId, 'request', { joinRequestId: request.id })
    return outcome.member
  }

  async rejectJoinRequest(actorId: string, groupId: string, requestId: string): Promise<void> {
    await this.#access.manager(groupId, actorId)
    const request = await this.#pendingRequest(groupId, requestId)
    if (!(await this.#store.groups.rejectJoinRequest(request.id, actorId, this.#clock.now()))) throw new AppError('group.already_answered')
    this.#notify.log(
      'group.join_request_rejected',
      { groupId, userId: actorId, targetId: request.userId, requestId },
      'join request rejected',
    )
    await this.#notify.push([request.userId], { type: 'group.join_request_updated', groupId, requestId, status: 'rejected' })
  }

  /** Adds one user (all-or-nothing), then tells everyone. */
  async #admit(
    groupId: string,
    userId: string,
    actorId: string,
    via: JoinVia,
    answer: { invitationId?: string; joinRequestId?: string },
  ): Promise<Extract<JoinOutcome, { kind: 'joined' }>> {
    const result = await this.#store.groups.addMembers(
      {
        groupId,
        userIds: [userId],
        actorId,
        via,
        now: this.#clock.now(),
        all: true,
        ...answer,
      },
      groupRules,
    )
    const member = result.added[0]!
    this.#notify.log('group.member_joined', { groupId, userId, actorId, via, ...answer }, 'member joined group')
    await this.#notify.membersJoined(result.group, result.added, actorId, via, result.change)
    const [view] = await this.#notify.memberViews([member])
    return { kind: 'joined', group: result.group, member: view! }
  }

  async #requestToJoin(group: Group, actor: User, message: string): Promise<JoinRequestView> {
    const { request, created } = await this.#store.groups.createJoinRequest(group.id, actor.id, message.trim(), this.#clock.now())
    const view = joinRequestView(request, actor)
    if (created) {
      this.#notify.log('group.join_requested', { groupId: group.id, userId: actor.id, requestId: request.id }, 'join request filed')
      await this.#notify.push(await this.#store.groups.managerIds(group.id), {
        type: 'group.join_request',
        groupId: group.id,
        request: view,
      })
    }
    return view
  }

  async #myPendingInvitation(userId: string, invitationId: string) {
    const invitation = isId(invitationId) ? await this.#store.groups.findInvitation(invitationId) : null
    if (!invitation || invitation.inviteeId !== userId) throw new AppError('group.invitation_not_found')
    if (invitation.status !== 'pending') throw new AppError('group.already_answered')
    // an invitation speaks for its inviter: once they left or were removed, it is void
    if (!(await this.#inviterStillMember(invitation))) throw new AppError('group.invitation_not_found')
    return invitation
  }

  async #inviterStillMember(invitation: { groupId: string; inviterId: string }): Promise<boolean> {
    return (await this.#store.groups.findMember(invitation.groupId, invitation.inviterId)) !== null
  }

  async #pendingRequest(groupId: string, requestId: string): Promise<GroupJoinRequest> {
    const request = isId(requestId) ? await this.#store.groups.findJoinRequest(requestId) : null
    if (!request || request.groupId !== groupId) throw new AppError('group.join_request_not_found')
    if (request.status !== 'pending') throw new AppError('group.already_answered')
    return request
  }
}
