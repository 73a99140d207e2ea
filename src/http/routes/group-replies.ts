import type { AdminService } from '../../domain/admin/admin-service.js'
import type { FileService } from '../../domain/files/file-service.js'
import type { GroupMemberService, JoinOutcome } from '../../domain/groups/group-member-service.js'
import type { GroupService } from '../../domain/groups/group-service.js'
import { groupView } from '../../domain/groups/group-views.js'

export interface GroupRouteDeps {
  groups: GroupService
  members: GroupMemberService
  /** audits the system admins' member-limit change */
  admin: AdminService
  /** group avatars: must be an image the actor uploaded; keeps the `group_avatar` file ref (absent: no check) */
  files?: FileService
}

/** `limit`/`cursor` query → service paging. */
export function pageOf(query: { limit?: number; cursor?: string }) {
  return { limit: query.limit ?? 50, cursor: query.cursor ?? null }
}

/** 200 with the membership, or 202 with the join request waiting for owner/admins. */
export function joinReply(outcome: JoinOutcome) {
  return outcome.kind === 'joined'
    ? { status: 200 as const, body: { group: groupView(outcome.group, { member: true, myRole: 'member' }), member: outcome.member } }
    : { status: 202 as const, body: { joinRequest: outcome.request } }
}
