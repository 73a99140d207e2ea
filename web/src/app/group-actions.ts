/** Groups: mine, search and join, invitations, members, leaving. */
import { unwrap } from '@jim/client'
import type { Group, GroupBan, JoinRequest, ServerFrame } from '../api/types.js'
import type { ConversationList } from './conversation-list.js'
import type { AppContext } from './context.js'
import { FreshLoad } from './fresh-load.js'

export class GroupActions {
  readonly #c: AppContext
  readonly #list: ConversationList

  constructor(context: AppContext, list: ConversationList) {
    this.#c = context
    this.#list = list
  }

  async loadGroups(): Promise<void> {
    await this.#c.quietly(async () => {
      const res = await this.#c.api.myGroups()
      this.#c.set((s) => ({ ...s, groups: Object.fromEntries(res.items.map((g) => [g.id, g])) }))
    })
  }

  /** invitations to me: each `group.invitation` frame reads them again, an answer read before it is dropped */
  readonly #invitations = new FreshLoad(
    () => this.#c.api.invitations(),
    (res) => this.#c.set((s) => ({ ...s, invitations: res.items })),
  )

  async loadInvitations(): Promise<void> {
    await this.#c.quietly(() => this.#invitations.run())
  }

  async loadMembers(groupId: string): Promise<void> {
    await this.#c.quietly(async () => {
      const res = await this.#c.api.groupMembers(groupId)
      this.#c.set((s) => ({
        ...s,
        members: { ...s.members, [groupId]: res.items },
        users: { ...s.users, ...Object.fromEntries(res.items.map((m) => [m.user.id, m.user])) },
      }))
    })
  }

  async createGroup(name: string, memberIds: string[], joinPolicy: Group['joinPolicy']): Promise<Group | null> {
    try {
      const res = await this.#c.api.createGroup({ name, memberIds, joinPolicy })
      const { group } = res
      // the group exists; anyone over its member limit was left out: say so rather than drop them silently
      const full = res.refused.filter((r) => r.code === 'group.member_limit').length
      if (full > 0) this.#c.notify({ kind: 'error', key: 'groups.leftOutFull', params: { count: full, max: group.maxMembers ?? '' } })
      this.#c.set((s) => ({ ...s, groups: { ...s.groups, [group.id]: group } }))
      await this.#list.loadConversations()
      await this.#list.openGroup(group)
      return group
    } catch (err) {
      this.#c.notifyError(err)
      return null
    }
  }

  async searchGroups(q: string): Promise<Group[]> {
    const res = await this.#c.api.searchGroups(q)
    return res.items
  }

  async joinGroup(group: Group): Promise<void> {
    try {
      const res = await this.#c.api.joinGroup(group.id)
      if (res?.joinRequest) {
        this.#c.notify({ kind: 'info', key: 'groups.requestSent' })
        return
      }
      await Promise.all([this.loadGroups(), this.#list.loadConversations()])
      await this.#list.openGroup(this.#c.state.groups[group.id] ?? group)
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  async leaveGroup(groupId: string): Promise<boolean> {
    try {
      await this.#c.api.leaveGroup(groupId)
      this.#dropGroup(groupId)
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  async invite(groupId: string, userIds: string[]): Promise<void> {
    try {
      await this.#c.api.inviteMembers(groupId, userIds)
      this.#c.notify({ kind: 'info', key: 'groups.invited' })
      await this.loadMembers(groupId)
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  async answerInvitation(id: string, answer: 'accept' | 'reject'): Promise<void> {
    try {
      const res = await this.#c.api.answerInvitation(id, answer)
      this.#invitations.changed()
      this.#c.set((s) => ({ ...s, invitations: s.invitations.filter((i) => i.id !== id) }))
      if (res?.joinRequest) this.#c.notify({ kind: 'info', key: 'groups.requestSent' })
      if (answer === 'accept') await Promise.all([this.loadGroups(), this.#list.loadConversations()])
    } catch (err) {
      this.#c.notifyError(err)
      void this.loadInvitations()
    }
  }

  // ---- administration (the server checks ranks; errors become notices)

  async #admin(groupId: string, work: () => Promise<unknown>): Promise<boolean> {
    try {
      await work()
      await Promise.all([this.loadMembers(groupId), this.loadGroup(groupId)])
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  async loadGroup(groupId: string): Promise<void> {
    await this.#c.quietly(async () => {
      const group = unwrap<Group>(await this.#c.api.group(groupId), 'group')
      if (this.#c.state.groups[group.id]) this.#mergeGroup(group)
      else this.#c.set((s) => ({ ...s, groups: { ...s.groups, [group.id]: group } }))
    })
  }

  updateGroup(groupId: string, patch: { name?: string; announcement?: string; muteAll?: boolean }): Promise<boolean> {
    return this.#admin(groupId, () => this.#c.api.updateGroup(groupId, patch))
  }

  setAvatar(groupId: string, file: File): Promise<boolean> {
    return this.#admin(groupId, async () => {
      const up = await this.#c.api.upload(file, file.name, 'image')
      await this.#c.api.updateGroup(groupId, { avatar: up.fileId })
    })
  }

  muteMember(groupId: string, userId: string, until: Date | null): Promise<boolean> {
    return this.#admin(groupId, () => this.#c.api.updateMember(groupId, userId, { mutedUntil: until ? until.toISOString() : null }))
  }

  /** My own name in the group, or (owner/admins) a lower-ranked member's; empty clears it. */
  async setGroupNickname(groupId: string, userId: string, groupNickname: string): Promise<boolean> {
    const ok = await this.#admin(groupId, () => this.#c.api.updateMember(groupId, userId, { groupNickname }))
    if (ok) this.#c.notify({ kind: 'info', key: groupNickname ? 'groups.nicknameSaved' : 'groups.nicknameCleared' })
    return ok
  }

  setAdmin(groupId: string, userId: string, admin: boolean): Promise<boolean> {
    return this.#admin(groupId, () => this.#c.api.updateMember(groupId, userId, { role: admin ? 'admin' : 'member' }))
  }

  removeMember(groupId: string, userId: string, ban: boolean): Promise<boolean> {
    return this.#admin(groupId, () => this.#c.api.removeMember(groupId, userId, ban))
  }

  async transfer(groupId: string, userId: string): Promise<boolean> {
    const ok = await this.#admin(groupId, () => this.#c.api.transferGroup(groupId, userId))
    if (ok) void this.loadGroups()
    return ok
  }

  async dissolve(groupId: string): Promise<void> {
    try {
      await this.#c.api.dissolveGroup(groupId)
      this.#dropGroup(groupId)
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  async bans(groupId: string): Promise<GroupBan[]> {
    try {
      return (await this.#c.api.groupBans(groupId)).items
    } catch (err) {
      this.#c.notifyError(err)
      return []
    }
  }

  unban(groupId: string, userId: string): Promise<boolean> {
    return this.#admin(groupId, () => this.#c.api.unban(groupId, userId))
  }

  async joinRequests(groupId: string): Promise<JoinRequest[]> {
    try {
      return (await this.#c.api.joinRequests(groupId)).items
    } catch (err) {
      this.#c.notifyError(err)
      return []
    }
  }

  answerJoinRequest(groupId: string, requestId: string, answer: 'approve' | 'reject'): Promise<boolean> {
    return this.#admin(groupId, () => this.#c.api.answerJoinRequest(groupId, requestId, answer))
  }

  /** Group views pushed to everyone carry no `myRole`; keep ours. */
  #mergeGroup(group: Group): void {
    this.#c.set((s) => {
      const old = s.groups[group.id]
      if (!old) return s
      return { ...s, groups: { ...s.groups, [group.id]: { ...old, ...group, myRole: group.myRole ?? old.myRole } } }
    })
    this.#c.set((s) => {
      const c = Object.values(s.conversations).find((x) => x.group?.id === group.id)
      if (!c?.group || c.group.name === group.name) return s
      return { ...s, conversations: { ...s.conversations, [c.id]: { ...c, group: { ...c.group, name: group.name } } } }
    })
  }

  #dropGroup(groupId: string): void {
    const s = this.#c.state
    const convId = s.groups[groupId]?.conversationId ?? Object.values(s.conversations).find((c) => c.group?.id === groupId)?.id
    this.#c.set((st) => {
      const groups = { ...st.groups }
      delete groups[groupId]
      return { ...st, groups }
    })
    if (convId) this.#list.drop(convId)
  }

  onFrame(frame: ServerFrame): void {
    const me = this.#c.me
    switch (frame.type) {
      case 'group.invitation':
        void this.loadInvitations()
        this.#c.notify({ kind: 'info', key: 'groups.invitationReceived', params: { name: frame.invitation?.group?.name ?? '' } })
        return
      case 'group.dissolved':
        this.#dropGroup(frame.groupId)
        return
      case 'group.member_left':
        if (frame.userId === me) this.#dropGroup(frame.groupId)
        else if (this.#c.state.members[frame.groupId]) void this.loadMembers(frame.groupId)
        return
      case 'group.member_joined':
        if (me && frame.userIds?.includes(me)) {
          void this.loadGroups()
          void this.#list.loadConversations()
        }
        if (this.#c.state.members[frame.groupId]) void this.loadMembers(frame.groupId)
        if (frame.group) this.#mergeGroup(frame.group)
        return
      case 'group.member_updated':
        if (this.#c.state.members[frame.groupId]) void this.loadMembers(frame.groupId)
        return
      case 'group.updated':
        if (frame.group) this.#mergeGroup(frame.group)
        return
      case 'group.join_request':
        // to owner and admins of an approval group: someone asked to join
        this.#c.notify({
          kind: 'info',
          key: 'groups.joinRequestReceived',
          params: { user: frame.request.user.nickname, name: this.#c.state.groups[frame.groupId]?.name ?? '' },
        })
        return
      case 'group.join_request_updated':
        this.#c.notify({
          kind: 'info',
          key: 'groups.joinRequestRejected',
          params: { name: this.#c.state.groups[frame.groupId]?.name ?? '' },
        })
        return
      default:
        return
    }
  }
}
