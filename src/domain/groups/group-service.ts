import type { Logger } from 'pino'
import { cleanDisplayName } from '../display-text.js'
import type { Broker } from '../broker.js'
import type { Clock } from '../../shared/clock.js'
import { newId } from '../../shared/ids.js'
import type { GroupPatch } from './group-store.js'
import type { Store } from '../store.js'
import { AppError } from '../errors.js'
import type { Page } from '../users/user-service.js'
import type { User } from '../users/user.js'
import { GroupAccess } from './group-access.js'
import { sortCandidates, type Refusal } from './group-candidates.js'
import { GroupNotifier } from './group-notifier.js'
import { groupRules } from './group-rules.js'
import { groupView, invitationView } from './group-views.js'
import type { Group, GroupRole, JoinPolicy } from './group.js'

export interface GroupServiceDeps {
  store: Store
  broker: Broker
  clock: Clock
  logger: Logger
  /** `groups.maxMembers`: the default and highest limit a user may set */
  maxMembers: number
}

export interface PageInput {
  limit: number
  cursor: string | null
}

export interface CreateGroupInput {
  name: string
  avatarFileId?: string | null
  memberIds?: readonly string[]
  joinPolicy?: JoinPolicy
  maxMembers?: number
}

/** What became of each id of a creation or an invitation: nobody is silently dropped. */
export interface MemberReport {
  added: string[]
  invited: Array<{ userId: string; invitationId: string }>
  refused: Refusal[]
}

/** Groups as wholes: create, find, edit, dissolve, transfer, and account-deletion handover. */
export class GroupService {
  readonly #store: Store
  readonly #clock: Clock
  readonly #maxMembers: number
  readonly #access: GroupAccess
  readonly #notify: GroupNotifier

  constructor(deps: GroupServiceDeps) {
    this.#store = deps.store
    this.#clock = deps.clock
    this.#maxMembers = deps.maxMembers
    this.#access = new GroupAccess(deps.store.groups)
    this.#notify = new GroupNotifier(deps)
  }

  /**
   * Creates a group owned by `actor`. Of `memberIds`, the actor's friends join at once (as
   * many as the limit allows), other active users get an invitation, the rest are refused
   * per id. `maxMembers` may only lower the configured limit.
   */
  async create(actor: User, input: CreateGroupInput): Promise<{ group: Group; report: MemberReport }> {
    const name = cleanName(input.name)
    const maxMembers = input.maxMembers ?? this.#maxMembers
    if (maxMembers > this.#maxMembers) {
      throw new AppError(
        'group.limit_raise_forbidden',
        `The member limit is at most ${this.#maxMembers}; only system admins can raise it.`,
        {
          details: { max: this.#maxMembers },
        },
      )
    }
    const { friends, others, refused } = await sortCandidates(this.#store, actor.id, input.memberIds ?? [])
    const room = maxMembers - 1
    for (const userId of friends.slice(room)) refused.push({ userId, code: 'group.member_limit' })
    const memberIds = friends.slice(0, room)
    const now = this.#clock.now()
    const { group, invitations, change } = await this.#store.groups.create({
      id: newId(),
      conversationId: newId(),
      name,
      avatarFileId: input.avatarFileId ?? null,
      joinPolicy: input.joinPolicy ?? 'open',
      maxMembers,
      ownerId: actor.id,
      memberIds,
      inviteeIds: others,
      now,
    })
    this.#notify.log(
      'group.created',
      { groupId: group.id, conversationId: group.conversationId, userId: actor.id, added: memberIds, invited: others, refused },
      'group created',
    )
    const members = await this.#store.groups.listMembers(group.id, { after: null, limit: memberIds.length + 1 })
    await this.#notify.membersJoined(group, members, actor.id, 'added', change)
    for (const invitation of invitations) {
      await this.#notify.push([invitation.inviteeId], { type: 'group.invitation', invitation: invitationView(invitation, group, actor) })
    }
    return {
      group,
      report: { added: memberIds, invited: invitations.map((i) => ({ userId: i.inviteeId, invitationId: i.id })), refused },
    }
  }

  /** Members see the whole group; others see open and approval groups' public profile; invite-only groups are 404 to them. */
  async get(userId: string, groupId: string): Promise<{ group: Group; myRole: GroupRole | null }> {
    const { group, member } = await this.#access.load(groupId, userId)
    if (!member && group.joinPolicy === 'invite') throw new AppError('group.not_found')
    return { group, myRole: member?.role ?? null }
  }

  /** The groups I am a member of, with my role. */
  async listMine(userId: string, page: PageInput): Promise<Page<{ group: Group; role: GroupRole }>> {
    const rows = await this.#store.groups.listForUser(userId, { after: page.cursor, limit: page.limit + 1 })
    const items = rows.slice(0, page.limit)
    return { items, nextCursor: rows.length > page.limit ? items.at(-1)!.group.id : null }
  }

  /** Open and approval groups by name prefix (invite-only groups are never found). */
  async search(q: string, page: PageInput): Promise<Page<Group>> {
    const prefix = q.trim()
    if (prefix.length === 0) throw new AppError('request.invalid', 'Search needs at least 1 character.', { details: [{ field: 'q' }] })
    const rows = await this.#store.groups.search(prefix, { after: page.cursor, limit: page.limit + 1 })
    const items = rows.slice(0, page.limit)
    return { items, nextCursor: rows.length > page.limit ? items.at(-1)!.id : null }
  }

  /** Owner and admins edit the profile; each effective change writes a `group_updated` notice. */
  async update(userId: string, groupId: string, patch: GroupPatch): Promise<{ group: Group; myRole: GroupRole }> {
    const { member } = await this.#access.manager(groupId, userId)
    const clean = { ...patch, name: patch.name === undefined ? undefined : cleanName(patch.name) }
    const updated = await this.#store.groups.updateProfile(groupId, userId, clean, this.#clock.now())
    if (!updated) throw new AppError('group.not_found')
    const { group, change } = updated
    if (change.messages.length > 0) {
      const fields = Object.entries(clean).flatMap(([key, value]) => (value === undefined ? [] : [key]))
      this.#notify.log('group.updated', { groupId, userId, fields }, 'group updated')
      await this.#notify.messages(change)
      await this.#notify.push(change.memberIds, {
        type: 'group.updated',
        groupId,
        group: groupView(group, { member: true }),
        actorId: userId,
      })
    }
    return { group, myRole: member.role }
  }

  /** Owner only: every membership ends in one transaction; afterwards the group is 404 to everyone. */
  async dissolve(userId: string, groupId: string): Promise<void> {
    await this.#access.owner(groupId, userId)
    await this.#dissolve(groupId, userId)
  }

  /** Owner only: `toId` (a member) becomes owner, the old owner an admin. */
  async transfer(userId: string, groupId: string, toId: string): Promise<Group> {
    await this.#access.owner(groupId, userId)
    if (toId === userId) throw new AppError('request.invalid', 'You already own this group.', { details: [{ field: 'userId' }] })
    return this.#transfer(groupId, userId, toId)
  }

  /** For system admins: set a group's member limit (above the configured one too). */
  async setMemberLimit(adminId: string, groupId: string, maxMembers: number): Promise<Group> {
    const group = await this.#store.groups.setMaxMembers(groupId, maxMembers, this.#clock.now())
    if (!group) throw new AppError('group.not_found')
    this.#notify.log('group.member_limit_set', { groupId, userId: adminId, maxMembers }, 'group member limit set')
    const members = await this.#notify.allMemberIds(groupId)
    await this.#notify.push(members, { type: 'group.updated', groupId, group: groupView(group, { member: true }), actorId: adminId })
    return group
  }

  /**
   * When an account is deleted: each group it owns passes to the longest-standing admin, else
   * member, else is dissolved; then it leaves every group it is still in (so member counts
   * stay exact and the place is freed).
   */
  async handleAccountDeleted(userId: string): Promise<void> {
    for (const groupId of await this.#store.groups.ownedGroupIds(userId)) {
      const successor = await this.#store.groups.successor(groupId, userId)
      if (successor) await this.#transfer(groupId, userId, successor)
      else await this.#dissolve(groupId, userId)
    }
    for (const groupId of await this.#store.groups.memberGroupIds(userId)) {
      const group = await this.#store.groups.findById(groupId)
      if (!group) continue
      const change = await this.#store.groups.removeMember(
        { groupId, userId, actorId: userId, reason: 'left', now: this.#clock.now() },
        groupRules,
      )
      this.#notify.log('group.member_left', { groupId, userId, reason: 'account_deleted' }, 'deleted account left group')
      await this.#notify.memberLeft(group, userId, 'left', userId, change)
    }
  }

  async #dissolve(groupId: string, userId: string): Promise<void> {
    const dissolved = await this.#store.groups.dissolve(groupId, userId, this.#clock.now())
    if (!dissolved) throw new AppError('group.not_found')
    const { group, change, formerMemberIds } = dissolved
    this.#notify.log(
      'group.dissolved',
      { groupId, conversationId: group.conversationId, userId, members: formerMemberIds.length },
      'group dissolved',
    )
    await this.#notify.messages(change)
    await this.#notify.push(formerMemberIds, { type: 'group.dissolved', groupId, name: group.name, actorId: userId })
  }

  async #transfer(groupId: string, fromId: string, toId: string): Promise<Group> {
    const { group, change } = await this.#store.groups.transfer(groupId, fromId, toId, this.#clock.now(), groupRules)
    this.#notify.log('group.owner_transferred', { groupId, userId: fromId, toUserId: toId }, 'group ownership transferred')
    await this.#notify.messages(change)
    await this.#notify.push(change.memberIds, {
      type: 'group.updated',
      groupId,
      group: groupView(group, { member: true }),
      actorId: fromId,
    })
    const changed = (await Promise.all([toId, fromId].map((id) => this.#store.groups.findMember(groupId, id)))).filter((m) => m !== null)
    for (const member of await this.#notify.memberViews(changed)) {
      await this.#notify.push(change.memberIds, { type: 'group.member_updated', groupId, member, actorId: fromId, changes: ['role'] })
    }
    return group
  }
}

/** Group names follow the one display-name rule (no invisible tricks) and keep a visible character. */
export function cleanName(name: string): string {
  return cleanDisplayName(name, 'name')
}
