/** Friends, friend requests, blocks and presence. */
import { unwrap } from '@jim/client'
import type { Friend, FriendRequest, PublicUser, ServerFrame } from '../api/types.js'
import { translate } from '../i18n/index.js'
import type { ConversationList } from './conversation-list.js'
import type { AppContext } from './context.js'
import { FreshLoad } from './fresh-load.js'
import { showNotification } from './notify.js'

export class FriendActions {
  readonly #c: AppContext
  readonly #list: ConversationList

  constructor(context: AppContext, list: ConversationList) {
    this.#c = context
    this.#list = list
  }

  /** friends with their presence, read again when a frame or an action changed them during a read */
  readonly #friends = new FreshLoad(
    () => this.#c.api.friends(),
    (res) =>
      this.#c.set((s) => ({
        ...s,
        friends: Object.fromEntries(res.items.map((f) => [f.user.id, f])),
        presence: { ...s.presence, ...Object.fromEntries(res.items.map((f) => [f.user.id, f.presence])) },
        users: { ...s.users, ...Object.fromEntries(res.items.map((f) => [f.user.id, f.user])) },
      })),
  )

  /** incoming and outgoing requests, the same way */
  readonly #requests = new FreshLoad(
    () => Promise.all([this.#c.api.friendRequests('incoming'), this.#c.api.friendRequests('outgoing')]),
    ([incoming, outgoing]) => this.#c.set((s) => ({ ...s, incoming: incoming.items, outgoing: outgoing.items })),
  )

  async loadFriends(): Promise<void> {
    await this.#c.quietly(() => this.#friends.run())
  }

  async loadRequests(): Promise<void> {
    await this.#c.quietly(() => this.#requests.run())
  }

  async loadBlocks(): Promise<void> {
    await this.#c.quietly(async () => {
      const res = await this.#c.api.blocks()
      this.#c.set((s) => ({ ...s, blocks: res.items }))
    })
  }

  async searchUsers(q: string): Promise<PublicUser[]> {
    const res = await this.#c.api.searchUsers(q)
    return res.items
  }

  async sendFriendRequest(userId: string, note: string, greeting: string): Promise<boolean> {
    try {
      const res = await this.#c.api.sendFriendRequest({ userId, ...(note ? { note } : {}), ...(greeting ? { greeting } : {}) })
      const request = unwrap<FriendRequest>(res, 'request')
      if (request?.id) this.onFriendRequest(request)
      if (request?.status === 'accepted') this.#c.notify({ kind: 'info', key: 'friends.nowFriends' })
      else this.#c.notify({ kind: 'info', key: 'friends.requestSent' })
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  async answerRequest(r: FriendRequest, answer: 'accept' | 'reject'): Promise<void> {
    try {
      if (answer === 'accept') await this.#c.api.acceptFriendRequest(r.id)
      else await this.#c.api.rejectFriendRequest(r.id)
      this.#requests.changed()
      this.#c.set((s) => ({
        ...s,
        incoming: s.incoming.map((x) => (x.id === r.id ? { ...x, status: answer === 'accept' ? 'accepted' : 'rejected' } : x)),
      }))
      if (answer === 'accept') await Promise.all([this.loadFriends(), this.#list.loadConversations()])
    } catch (err) {
      this.#c.notifyError(err)
      void this.loadRequests()
    }
  }

  async withdrawRequest(r: FriendRequest): Promise<void> {
    try {
      await this.#c.api.withdrawFriendRequest(r.id)
      this.#requests.changed()
      this.#c.set((s) => ({ ...s, outgoing: s.outgoing.filter((x) => x.id !== r.id) }))
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  async setRemark(userId: string, remark: string): Promise<void> {
    try {
      const res = await this.#c.api.setRemark(userId, remark)
      this.#c.set((s) => {
        const f = s.friends[userId]
        if (!f) return s
        const updated: Friend = res && typeof res === 'object' && 'user' in res ? { ...f, ...res } : { ...f, remark }
        return { ...s, friends: { ...s.friends, [userId]: updated } }
      })
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  /** Ends the friendship; `forBoth` also deletes our direct chat for both of us (the friend's copy too). */
  async removeFriend(userId: string, options: { forBoth?: boolean } = {}): Promise<void> {
    try {
      await this.#c.api.removeFriend(userId, options.forBoth ? { deleteHistory: true, forBoth: true } : {})
      this.#friends.changed()
      this.#c.set((s) => {
        const friends = { ...s.friends }
        delete friends[userId]
        return { ...s, friends }
      })
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  async block(userId: string): Promise<void> {
    try {
      await this.#c.api.block(userId)
      await Promise.all([this.loadBlocks(), this.loadFriends(), this.loadRequests()])
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  async unblock(userId: string): Promise<void> {
    try {
      await this.#c.api.unblock(userId)
      await this.loadBlocks()
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  onFriendRequest(r: FriendRequest): void {
    const me = this.#c.me
    if (!r) return
    this.#requests.changed()
    this.#c.set((s) => {
      const incomingRest = s.incoming.filter((x) => x.id !== r.id)
      const outgoingRest = s.outgoing.filter((x) => x.id !== r.id)
      return {
        ...s,
        incoming: r.toUserId === me ? [r, ...incomingRest] : incomingRest,
        outgoing: r.fromUserId === me ? [r, ...outgoingRest] : outgoingRest,
      }
    })
    if (r.status === 'pending' && r.toUserId === me) {
      this.#c.notify({ kind: 'info', key: 'friends.requestReceived', params: { name: r.from.nickname || r.from.username } })
      if (document.hidden)
        showNotification(r.from.nickname || r.from.username, translate(this.#c.state.locale, 'friends.wantsToBeFriends'), `fr-${r.id}`)
    }
    if (r.status === 'accepted') {
      void this.loadFriends()
      void this.#list.loadConversations()
    }
  }

  onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'presence':
        this.#friends.changed()
        this.#c.set((s) => ({ ...s, presence: { ...s.presence, [frame.userId]: { status: frame.status, connected: frame.connected } } }))
        return
      case 'friend.request':
      case 'friend.request_updated':
        this.onFriendRequest(frame.request)
        return
      case 'friend.removed':
        this.#friends.changed()
        this.#c.set((s) => {
          const friends = { ...s.friends }
          delete friends[frame.userId]
          return { ...s, friends }
        })
        return
      default:
        return
    }
  }
}
