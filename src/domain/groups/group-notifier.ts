import type { Logger } from 'pino'
import type { Broker } from '../broker.js'
import type { Clock } from '../../shared/clock.js'
import type { GroupChange } from './group-store.js'
import type { Store } from '../store.js'
import type { ClusterEvent } from '../events.js'
import { messageCreatedEvent } from '../messages/message-events.js'
import type { User } from '../users/user.js'
import type { Group, GroupMember, JoinVia, LeaveReason } from './group.js'
import type { GroupEvent } from './group-events.js'
import { groupView, memberView, type MemberView } from './group-views.js'

/**
 * Tells people about committed group changes: the system messages as `message.created`
 * (routed by conversation and membership version), the `group.*` frames to users' devices.
 * The change is already stored, so a failed publish is logged, never thrown: clients repair
 * by `resume`, and the caller still gets its answer.
 */
export class GroupNotifier {
  readonly #store: Store
  readonly #broker: Broker
  readonly #clock: Clock
  readonly #logger: Logger

  constructor(deps: { store: Store; broker: Broker; clock: Clock; logger: Logger }) {
    this.#store = deps.store
    this.#broker = deps.broker
    this.#clock = deps.clock
    this.#logger = deps.logger
  }

  /** Publishes the change's system messages, in seq order. */
  async messages(change: GroupChange | null): Promise<void> {
    if (!change) return
    for (const message of change.messages) await this.#publish(messageCreatedEvent(message, change.membershipVersion))
  }

  /** Pushes a frame to every device of these users (deduplicated). */
  async push(userIds: Iterable<string>, event: GroupEvent): Promise<void> {
    const users = [...new Set(userIds)]
    if (users.length === 0) return
    await this.#publish({ kind: 'push', route: { users }, event })
  }

  /** After users joined: their notice, then `group.member_joined` to every member (the new ones included). */
  async membersJoined(
    group: Group,
    added: readonly GroupMember[],
    actorId: string,
    via: JoinVia,
    change: GroupChange | null,
  ): Promise<void> {
    if (!change || added.length === 0) return
    await this.messages(change)
    await this.push(change.memberIds, {
      type: 'group.member_joined',
      groupId: group.id,
      userIds: added.map((m) => m.userId),
      actorId,
      via,
      members: await this.memberViews(added),
      group: groupView(group, { member: true }),
    })
  }

  /** After a member left or was removed: their notice, then `group.member_left` to the members and to them. */
  async memberLeft(group: Group, userId: string, reason: LeaveReason, actorId: string, change: GroupChange): Promise<void> {
    await this.messages(change)
    await this.push([...change.memberIds, userId], {
      type: 'group.member_left',
      groupId: group.id,
      userId,
      reason,
      actorId,
      memberCount: change.memberIds.length,
    })
  }

  /** Member views with public profiles, in the members' order. */
  async memberViews(members: readonly GroupMember[]): Promise<MemberView[]> {
    const users = await this.usersById(members.map((m) => m.userId))
    const now = this.#clock.now()
    return members.map((m) => memberView(m, users.get(m.userId), now))
  }

  async usersById(ids: readonly string[]): Promise<Map<string, User>> {
    const users = ids.length > 0 ? await this.#store.users.findByIds(ids) : []
    return new Map(users.map((u) => [u.id, u]))
  }

  /** Every current member's id (paged through, for pushes that no change carried). */
  async allMemberIds(groupId: string): Promise<string[]> {
    const ids: string[] = []
    for (let after: string | null = null; ;) {
      const page = await this.#store.groups.listMembers(groupId, { after, limit: 1000 })
      ids.push(...page.map((m) => m.userId))
      if (page.length < 1000) return ids
      after = page.at(-1)!.userId
    }
  }

  /** One JSON business-event line. */
  log(event: string, fields: Record<string, unknown>, message: string): void {
    this.#logger.info({ event, ...fields }, message)
  }

  async #publish(event: ClusterEvent): Promise<void> {
    try {
      await this.#broker.publish(event)
    } catch (err) {
      this.#logger.warn({ err, event: 'group.publish_failed' }, 'group event not published; clients repair by resume')
    }
  }
}
