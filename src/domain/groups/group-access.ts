import { isId } from '../../shared/ids.js'
import type { GroupStore } from './group-store.js'
import { AppError } from '../errors.js'
import { isManager, outranks, type Group, type GroupMember } from './group.js'

export interface Access {
  group: Group
  member: GroupMember | null
  banned: boolean
}

export interface MemberAccess extends Access {
  member: GroupMember
}

/**
 * Who may know what about a group. A stranger asking about something they may not know exists
 * gets 404: invite-only groups are invisible to non-members (`group.not_found`), and what only
 * members may see of an open or approval group is `group.not_member` (also 404). A member
 * lacking rank gets 403.
 */
export class GroupAccess {
  readonly #groups: GroupStore

  constructor(groups: GroupStore) {
    this.#groups = groups
  }

  /** The group as `userId` stands in it; 404 if there is no such (live) group. */
  async load(groupId: string, userId: string): Promise<Access> {
    const found = isId(groupId) ? await this.#groups.access(groupId, userId) : null
    if (!found) throw new AppError('group.not_found')
    return found
  }

  /** Like `load`, but the user must be a current member. */
  async member(groupId: string, userId: string): Promise<MemberAccess> {
    const access = await this.load(groupId, userId)
    if (!access.member) throw notMember(access.group)
    return access as MemberAccess
  }

  /** A current owner or admin. */
  async manager(groupId: string, userId: string): Promise<MemberAccess> {
    const access = await this.member(groupId, userId)
    if (!isManager(access.member.role)) throw new AppError('group.forbidden', 'Only the owner and admins can do this.')
    return access
  }

  /** The current owner. */
  async owner(groupId: string, userId: string): Promise<MemberAccess> {
    const access = await this.member(groupId, userId)
    if (access.member.role !== 'owner') throw new AppError('group.forbidden', 'Only the owner can do this.')
    return access
  }

  /** Another current member `actor` may act on under the rank rule (strictly lower rank). */
  async target(access: MemberAccess, targetId: string): Promise<GroupMember> {
    const target = isId(targetId) ? await this.#groups.findMember(access.group.id, targetId) : null
    if (!target) throw new AppError('group.not_member', 'That user is not a member of this group.')
    if (target.userId === access.member.userId || !outranks(access.member.role, target.role)) throw new AppError('group.rank')
    return target
  }
}

/** The 404 a non-member gets for members-only things. */
export function notMember(group: Group): AppError {
  return group.joinPolicy === 'invite' ? new AppError('group.not_found') : new AppError('group.not_member')
}
