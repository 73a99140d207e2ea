/**
 * How chat frames change the state: pure functions `(state, frame) → state`, no I/O, no timers,
 * no React. The socket (SDK) decides what arrives and in which order; the app layer does the
 * side effects (fetching profiles, notifications, read marks) around these.
 */
import type { Conversation, Message, PublicUser, SelfUser, ServerFrame } from '../api/types.js'
import type { State } from './state.js'
import { mergeMessages } from './timeline.js'

/** Facts a frame's effect depends on that are not in the state. */
export interface FrameContext {
  /** epoch ms */
  now: number
  /** the user is looking at the page (a message in the open chat is then read at once) */
  pageVisible: boolean
}

/** How long a typing indicator lasts without a new `typing` frame (ms). */
export const TYPING_MS = 5000

/** The chat frames this reducer knows; every other frame leaves the state as it was. */
export function reduceChatFrame(state: State, frame: ServerFrame, ctx: FrameContext): State {
  switch (frame.type) {
    case 'message.created':
      return applyMessage(state, frame.message, ctx)
    case 'message.updated':
    case 'message.recalled':
    case 'message.reaction':
      return applyChange(state, frame.message)
    case 'message.hidden':
      return applyHidden(state, frame.conversationId, frame.seq)
    case 'conversation.updated':
      return upsertConversation(state, frame.conversation)
    case 'conversation.read':
      if ('reads' in frame) return frame.reads.reduce((s, r) => applyRead(s, frame.conversationId, r.userId, r.seq), state)
      return applyRead(state, frame.conversationId, frame.userId, frame.seq)
    case 'user.updated':
      return applyUserUpdated(state, frame.user)
    case 'typing': {
      // one user, or (large groups) everyone who typed in the last second, coalesced
      const me = myId(state)
      const userIds = ('userIds' in frame ? frame.userIds : [frame.userId]).filter((id) => id !== me)
      return userIds.length ? startTyping(state, frame.conversationId, userIds, ctx.now + TYPING_MS) : state
    }
    default:
      return state
  }
}

function myId(state: State): string | null {
  return state.auth?.user?.id ?? null
}

/**
 * A stored message, however it came (push, resume, history repair, our own send): into the
 * timeline if loaded, off the pending list if it is ours, ends its sender's typing, and moves
 * the conversation's summary and unread count.
 */
export function applyMessage(state: State, m: Message, ctx: FrameContext): State {
  const own = m.senderId !== null && m.senderId === myId(state)
  const next: State = { ...state }
  const t = state.timelines[m.conversationId]
  if (t) {
    const messages = mergeMessages(t.messages, [m])
    if (messages !== t.messages) next.timelines = { ...state.timelines, [m.conversationId]: { ...t, messages } }
  }
  const pend = state.pending[m.conversationId]
  if (own && pend?.some((p) => p.clientMsgId === m.clientMsgId)) {
    next.pending = { ...state.pending, [m.conversationId]: pend.filter((p) => p.clientMsgId !== m.clientMsgId) }
  }
  const typing = m.senderId ? state.typing[m.conversationId] : undefined
  if (typing && m.senderId && typing[m.senderId]) {
    const rest = { ...typing }
    delete rest[m.senderId]
    next.typing = { ...state.typing, [m.conversationId]: rest }
  }
  const c = state.conversations[m.conversationId]
  if (c) {
    const newer = !c.lastMessage || m.seq >= c.lastMessage.seq
    const isNew = m.seq > c.lastSeq
    const seen = state.activeId === m.conversationId && ctx.pageVisible
    const updated: Conversation = {
      ...c,
      lastSeq: Math.max(c.lastSeq, m.seq),
      lastMessage: newer ? m : c.lastMessage,
      lastActivityAt: newer ? m.createdAt : c.lastActivityAt,
    }
    if (isNew) updated.pins = pinsAfter(c.pins, m)
    if (own) updated.readSeq = Math.max(c.readSeq, m.seq)
    else if (isNew && m.seq > c.readSeq && !seen) {
      updated.unreadCount = c.unreadCount + 1
      if (mentions(m, myId(state))) updated.mentionCount = (c.mentionCount ?? 0) + 1
    }
    next.conversations = { ...state.conversations, [c.id]: updated }
  }
  return next
}

/**
 * The conversation's pins after a new message: a pin or unpin (by anyone, on any device) is a
 * system message (`message_pinned` / `message_unpinned` with the `seq`), which is how the pinned
 * bar of every member follows live. Only new messages count: an old one paged in changes nothing.
 */
export function pinsAfter(pins: Conversation['pins'], m: Message): Conversation['pins'] {
  const event = m.type === 'system' ? m.content.event : null
  const seq = m.content.seq
  if ((event !== 'message_pinned' && event !== 'message_unpinned') || typeof seq !== 'number') return pins
  const rest = (pins ?? []).filter((p) => p.seq !== seq)
  if (event === 'message_unpinned') return rest
  const pinnedBy = typeof m.content.actorId === 'string' ? m.content.actorId : ''
  return [{ seq, pinnedBy, pinnedAt: m.createdAt }, ...rest]
}

/** Whether a message mentions `me` or @all (the @ badge). */
export function mentions(m: Message, me: string | null): boolean {
  const list = m.type === 'text' && Array.isArray(m.content.mentions) ? (m.content.mentions as unknown[]) : []
  return list.includes('all') || (me !== null && list.includes(me))
}

/**
 * A message I deleted for me (on this or another device): off the timeline, and off the list's
 * preview, which falls back to the newest message still shown. Remembered, so a later copy of the
 * conversation that still names it as its last message does not bring it back.
 */
export function applyHidden(state: State, conversationId: string, seq: number): State {
  const t = state.timelines[conversationId]
  const c = state.conversations[conversationId]
  const hidden = state.hiddenSeqs[conversationId] ?? []
  const next: State = {
    ...state,
    hiddenSeqs: hidden.includes(seq) ? state.hiddenSeqs : { ...state.hiddenSeqs, [conversationId]: [...hidden, seq] },
    timelines: t ? { ...state.timelines, [conversationId]: { ...t, messages: t.messages.filter((m) => m.seq !== seq) } } : state.timelines,
  }
  return c ? { ...next, conversations: { ...state.conversations, [conversationId]: withVisiblePreview(next, c) } } : next
}

/** The conversation with a list preview I may see: never a message I deleted for me. */
export function withVisiblePreview(state: State, c: Conversation): Conversation {
  const last = c.lastMessage
  const hidden = state.hiddenSeqs[c.id]
  if (!last || !hidden?.includes(last.seq)) return c
  const shown = (state.timelines[c.id]?.messages ?? []).filter((m) => m.seq < last.seq && !hidden.includes(m.seq))
  return { ...c, lastMessage: shown.at(-1) ?? null }
}

/** An edited, recalled or reacted-to message: replaces the shown copy, and the conversation's modSeq moves on. */
export function applyChange(state: State, m: Message): State {
  const t = state.timelines[m.conversationId]
  const c = state.conversations[m.conversationId]
  const updated = c
    ? { ...c, modSeq: Math.max(c.modSeq ?? 0, m.modSeq ?? 0), lastMessage: c.lastMessage?.seq === m.seq ? m : c.lastMessage }
    : null
  return {
    ...state,
    timelines: t ? { ...state.timelines, [m.conversationId]: { ...t, messages: mergeMessages(t.messages, [m]) } } : state.timelines,
    conversations: updated ? { ...state.conversations, [updated.id]: updated } : state.conversations,
  }
}

/**
 * A conversation as the server describes it now. One the user left (or was removed from) goes
 * off the list, unless it is open: the server lists current conversations only.
 */
export function upsertConversation(state: State, c: Conversation): State {
  if (c.leftSeq !== null && c.leftSeq !== undefined && state.activeId !== c.id) return dropConversation(state, c.id)
  const next: State = {
    ...state,
    conversations: { ...state.conversations, [c.id]: withVisiblePreview(state, { ...state.conversations[c.id], ...c }) },
    worldId: c.kind === 'world' ? c.id : state.worldId,
  }
  return c.clearedSeq ? applyCleared(next, c.id, c.clearedSeq) : next
}

/**
 * My copy of the history was cleared up to `clearedSeq` (here, on another device, or by a friend
 * who removed me and deleted our chat for both): those messages leave the open timeline too.
 */
export function applyCleared(state: State, conversationId: string, clearedSeq: number): State {
  const t = state.timelines[conversationId]
  if (!t || !t.messages.some((m) => m.seq <= clearedSeq)) return state
  return {
    ...state,
    timelines: { ...state.timelines, [conversationId]: { ...t, messages: t.messages.filter((m) => m.seq > clearedSeq), hasMore: false } },
  }
}

/** Takes a conversation off the list (and closes it when open). */
export function dropConversation(state: State, conversationId: string): State {
  if (!state.conversations[conversationId]) return state
  const conversations = { ...state.conversations }
  delete conversations[conversationId]
  return { ...state, conversations, activeId: state.activeId === conversationId ? null : state.activeId }
}

/** Someone read up to `seq`: my read mark and unread count, or a peer's / group member's receipt. */
export function applyRead(state: State, conversationId: string, userId: string, seq: number): State {
  const c = state.conversations[conversationId]
  if (userId === myId(state)) {
    if (!c || seq <= c.readSeq) return state
    const unreadCount = Math.max(0, c.lastSeq - seq)
    // read through on another device: the @ badge goes with the last unread message (the server recounts on the next list)
    const mentionCount = unreadCount === 0 ? undefined : c.mentionCount
    return { ...state, conversations: { ...state.conversations, [c.id]: { ...c, readSeq: seq, unreadCount, mentionCount } } }
  }
  const reads = state.groupReads[conversationId]
  const groupReads =
    c?.kind === 'group' && (reads?.[userId] ?? 0) < seq
      ? { ...state.groupReads, [conversationId]: { ...reads, [userId]: seq } }
      : state.groupReads
  if ((state.peerRead[conversationId] ?? 0) >= seq) return groupReads === state.groupReads ? state : { ...state, groupReads }
  return { ...state, groupReads, peerRead: { ...state.peerRead, [conversationId]: seq } }
}

/**
 * The read positions `GET /conversations/{id}` carries (`reads`: the peer, or each member of a
 * small group): read ticks and "read by N" as they were before a reload. A position never moves
 * back, so a `conversation.read` that arrived first is kept.
 */
export function applyReads(state: State, conversationId: string, reads: ReadonlyArray<{ userId: string; seq: number }>): State {
  const me = myId(state)
  return reads.reduce((s, r) => (r.userId === me ? s : applyRead(s, conversationId, r.userId, r.seq)), state)
}

/**
 * A profile changed (`user.updated`): mine from another device, or a friend's, a direct peer's or
 * a group member's new nickname or avatar, wherever the state keeps a copy of it.
 */
export function applyUserUpdated(state: State, user: PublicUser | SelfUser): State {
  const id = user.id
  if (id === myId(state) && state.auth?.user) return { ...state, auth: { ...state.auth, user: { ...state.auth.user, ...user } } }
  const pub = (u: PublicUser): PublicUser => ({ ...u, ...user })
  const next: State = { ...state, users: { ...state.users, [id]: pub(state.users[id] ?? (user as PublicUser)) } }
  const friend = state.friends[id]
  if (friend) next.friends = { ...state.friends, [id]: { ...friend, user: pub(friend.user) } }
  const peers = Object.values(state.conversations).filter((c) => c.peer?.id === id)
  if (peers.length)
    next.conversations = { ...state.conversations, ...Object.fromEntries(peers.map((c) => [c.id, { ...c, peer: pub(c.peer!) }])) }
  let members = state.members
  for (const [groupId, list] of Object.entries(state.members)) {
    if (!list.some((m) => m.user.id === id)) continue
    members = { ...members, [groupId]: list.map((m) => (m.user.id === id ? { ...m, user: pub(m.user) } : m)) }
  }
  next.members = members
  return next
}

function startTyping(state: State, conversationId: string, userIds: string[], until: number): State {
  return {
    ...state,
    typing: {
      ...state.typing,
      [conversationId]: { ...state.typing[conversationId], ...Object.fromEntries(userIds.map((id) => [id, until])) },
    },
  }
}

/** Ends the typing indicators of a conversation that ran out by `now`. */
export function expireTyping(state: State, conversationId: string, now: number): State {
  const cur = state.typing[conversationId]
  if (!cur) return state
  const rest = Object.fromEntries(Object.entries(cur).filter(([, until]) => until > now))
  if (Object.keys(rest).length === Object.keys(cur).length) return state
  return { ...state, typing: { ...state.typing, [conversationId]: rest } }
}

/** The open conversation read up to `seq` (shown at once; the server hears of it separately). */
export function markRead(state: State, conversationId: string, seq: number): State {
  const cur = state.conversations[conversationId]
  if (!cur) return state
  return {
    ...state,
    conversations: {
      ...state.conversations,
      [conversationId]: { ...cur, readSeq: Math.max(cur.readSeq, seq), unreadCount: 0, mentionCount: undefined },
    },
  }
}
