import { AppError, type ErrorCode } from '../errors.js'
import type { Group, GroupMember, GroupRole } from './group.js'

/** Why a user could not be added, as the store saw it under the group row's lock. */
export type AdmissionFact = 'member' | 'banned' | 'full'

/**
 * The membership rules, judged on facts the store reads under the group row's lock (so the check
 * and the write stay atomic) and throwing the error the client gets; a throw rolls the store's
 * transaction back. The services pass `groupRules` to the store, which decides nothing itself
 * (the same shape as `friendRules`).
 */
export interface GroupRules {
  /** A change needs a live group (dissolved groups are gone). */
  found(group: Group | null): asserts group is Group
  /** The invitation or join request being answered was still pending (false: a concurrent answer won). */
  stillPending(pending: boolean): void
  /**
   * Who could not be added and the error for each. With `all` (a single join) any refusal
   * refuses the whole change; otherwise they are reported and the others are added.
   */
  admission(refused: ReadonlyArray<{ userId: string; fact: AdmissionFact }>, all: boolean): Array<{ userId: string; code: ErrorCode }>
  /** Leaving, being removed or banned: a current member, and not the owner (who must transfer first). */
  leave(member: GroupMember | null): asserts member is GroupMember
  /** Changing a member: a current member; the owner's role changes only by a transfer. */
  changeMember(member: GroupMember | null, newRole: Exclude<GroupRole, 'owner'> | undefined): asserts member is GroupMember
  /** A transfer: by the current owner, to a current member. */
  transfer(group: Group, fromId: string, to: GroupMember | null): void
}

const ADMISSION_CODES: Record<AdmissionFact, ErrorCode> = {
  member: 'group.already_member',
  banned: 'group.banned',
  full: 'group.member_limit',
}

/** The refusal for a user who is a current member or banned, null when they may come in. */
export function standingRefusal(standing: { member: boolean; banned: boolean }): ErrorCode | null {
  if (standing.member) return ADMISSION_CODES.member
  if (standing.banned) return ADMISSION_CODES.banned
  return null
}

export const groupRules: GroupRules = {
  found(group) {
    if (!group) throw new AppError('group.not_found')
  },
  stillPending(pending) {
    if (!pending) throw new AppError('group.already_answered')
  },
  admission(refused, all) {
    const coded = refused.map(({ userId, fact }) => ({ userId, code: ADMISSION_CODES[fact] }))
    if (all && coded.length > 0) throw new AppError(coded[0]!.code, undefined, { details: { userId: coded[0]!.userId } })
    return coded
  },
  leave(member) {
    if (!member) throw new AppError('group.not_member')
    if (member.role === 'owner') throw new AppError('group.owner_must_transfer')
  },
  changeMember(member, newRole) {
    if (!member) throw new AppError('group.not_member')
    if (newRole !== undefined && newRole !== member.role && member.role === 'owner')
      throw new AppError('group.forbidden', 'Transfer ownership to change the owner’s role.')
  },
  transfer(group, fromId, to) {
    if (group.ownerId !== fromId) throw new AppError('group.forbidden', 'Only the owner can transfer the group.')
    if (!to) throw new AppError('group.not_member', 'The new owner must be a member of the group.')
  },
}
