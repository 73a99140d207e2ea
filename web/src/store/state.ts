import type { SocketState } from '@jim/client'
import type {
  BlockedUser,
  Conversation,
  Friend,
  FriendRequest,
  Group,
  GroupInvitation,
  GroupMember,
  Presence,
  PublicUser,
  SelfUser,
  Limits,
} from '../api/types.js'
import type { Locale } from '../i18n/index.js'
import type { PendingMessage, Timeline } from './timeline.js'

export type Tab = 'chats' | 'friends' | 'groups' | 'settings' | 'admin'

/** A message for the user: a dictionary key, or an API error code (translated when known). */
export interface Notice {
  id: number
  kind: 'error' | 'info'
  key?: string
  code?: string
  fallback?: string
  params?: Record<string, string | number>
}

export interface State {
  locale: Locale
  /** token known; `user` null while it is being checked */
  auth: { token: string; user: SelfUser | null } | null
  /** the SDK socket's state; `attempt` counts reconnects since it was last connected, `stopped` when signed out */
  connection: { state: SocketState; retryAt: number | null; attempt: number; stopped: boolean }
  /** the server's limits (edit and recall windows...), from `GET /config` and every `ready` frame */
  limits: Limits | null
  conversations: Record<string, Conversation>
  /** the world conversation's id, once known */
  worldId: string | null
  /** the conversation list could not be loaded (server without messaging) */
  conversationsUnavailable: boolean
  timelines: Record<string, Timeline>
  /** conversationId -> seqs I deleted for me while signed in here (never shown again, not even as a list preview) */
  hiddenSeqs: Record<string, number[]>
  pending: Record<string, PendingMessage[]>
  /** profiles of people seen in chats (senders in groups and the world) */
  users: Record<string, PublicUser>
  /** by user id */
  friends: Record<string, Friend>
  presence: Record<string, Presence>
  incoming: FriendRequest[]
  outgoing: FriendRequest[]
  blocks: BlockedUser[]
  groups: Record<string, Group>
  /** by group id */
  members: Record<string, GroupMember[]>
  invitations: GroupInvitation[]
  /** direct/group conversations: highest seq a peer has read */
  peerRead: Record<string, number>
  /** group conversations: userId -> highest seq that member has read (from `conversation.read` frames) */
  groupReads: Record<string, Record<string, number>>
  /** conversationId -> userId -> typing until (epoch ms) */
  typing: Record<string, Record<string, number>>
  activeId: string | null
  /** the first unread seq of the open conversation when it was opened (the "new messages" line) */
  firstUnread: { conversationId: string; seq: number } | null
  tab: Tab
  notices: Notice[]
  /** messages picked for forwarding several at once (one conversation at a time) */
  selection: { conversationId: string; seqs: number[] } | null
}

export function initialState(locale: Locale, token: string | null): State {
  return {
    locale,
    auth: token ? { token, user: null } : null,
    connection: { state: 'disconnected', retryAt: null, attempt: 0, stopped: true },
    limits: null,
    conversations: {},
    worldId: null,
    conversationsUnavailable: false,
    timelines: {},
    hiddenSeqs: {},
    pending: {},
    users: {},
    friends: {},
    presence: {},
    incoming: [],
    outgoing: [],
    blocks: [],
    groups: {},
    members: {},
    invitations: [],
    peerRead: {},
    groupReads: {},
    typing: {},
    activeId: null,
    firstUnread: null,
    tab: 'chats',
    notices: [],
    selection: null,
  }
}

/** The state after logout: only the language survives. */
export function signedOut(state: State): State {
  return initialState(state.locale, null)
}

/** World first, then pinned, then most recent activity. */
export function sortConversations(list: Conversation[]): Conversation[] {
  const rank = (c: Conversation) => (c.kind === 'world' ? 0 : c.pinned ? 1 : 2)
  return [...list].sort((a, b) => {
    const r = rank(a) - rank(b)
    if (r !== 0) return r
    const ta = a.lastActivityAt ?? a.lastMessage?.createdAt ?? ''
    const tb = b.lastActivityAt ?? b.lastMessage?.createdAt ?? ''
    if (ta !== tb) return ta < tb ? 1 : -1
    return a.id < b.id ? -1 : 1
  })
}
