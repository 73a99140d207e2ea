import { describe, expect, it } from 'vitest'
import type { Conversation, Message, SelfUser, ServerFrame } from '../../web/src/api/types.js'
import { applyReads, expireTyping, reduceChatFrame, TYPING_MS, type FrameContext } from '../../web/src/store/chat-reducer.js'
import { initialState, type State } from '../../web/src/store/state.js'
import type { PendingMessage } from '../../web/src/store/timeline.js'
import { msg } from '../../packages/client/test/fake-socket.js'

const ME = 'u1'
const PEER = 'u2'
const ctx: FrameContext = { now: 1_000_000, pageVisible: true }

function conversation(id: string, extra: Partial<Conversation> = {}): Conversation {
  return {
    id,
    kind: 'direct',
    lastSeq: 2,
    readSeq: 2,
    unreadCount: 0,
    modSeq: 0,
    pinned: false,
    muted: false,
    peer: null,
    group: null,
    joinSeq: 0,
    clearedSeq: 0,
    lastMessage: null,
    lastActivityAt: new Date(0).toISOString(),
    leftSeq: null,
    ...extra,
  }
}

/** Signed in as u1 with one direct conversation `a` (seqs 1-2 loaded) and maybe more. */
function state(extra: Partial<State> = {}): State {
  const s = initialState('en', 'token')
  return {
    ...s,
    auth: { token: 'token', user: { id: ME, username: 'me', nickname: 'Me' } as SelfUser },
    conversations: { a: conversation('a') },
    timelines: { a: { messages: [msg('a', 1), msg('a', 2)], hasMore: false, loading: false, loaded: true } },
    ...extra,
  }
}

const created = (m: Message): ServerFrame => ({ type: 'message.created', message: m })

/** `state()` with seqs 1-3 loaded in `a` */
const s3 = (): State =>
  state({ timelines: { a: { messages: [msg('a', 1), msg('a', 2), msg('a', 3)], hasMore: true, loading: false, loaded: true } } })

describe('reduceChatFrame: message.created', () => {
  it('should append to the loaded timeline and move the summary; unread only when not on screen', () => {
    const m = msg('a', 3, { senderId: PEER })
    const seen = reduceChatFrame(state({ activeId: 'a' }), created(m), ctx)
    expect(seen.timelines.a!.messages.map((x) => x.seq)).toEqual([1, 2, 3])
    expect(seen.conversations.a).toMatchObject({ lastSeq: 3, lastMessage: m, lastActivityAt: m.createdAt, unreadCount: 0 })

    const elsewhere = reduceChatFrame(state({ activeId: null }), created(m), ctx)
    expect(elsewhere.conversations.a!.unreadCount).toBe(1)
    const hidden = reduceChatFrame(state({ activeId: 'a' }), created(m), { ...ctx, pageVisible: false })
    expect(hidden.conversations.a!.unreadCount).toBe(1)
  })

  it('should count a message once however often it arrives (push, resume, repair)', () => {
    const m = msg('a', 3, { senderId: PEER })
    const once = reduceChatFrame(state(), created(m), ctx)
    const twice = reduceChatFrame(once, created(m), ctx)
    expect(twice.conversations.a!.unreadCount).toBe(1)
    expect(twice.timelines.a!.messages.map((x) => x.seq)).toEqual([1, 2, 3])
  })

  it('should take my own stored message off the pending list by clientMsgId and mark it read', () => {
    const pending: PendingMessage = {
      clientMsgId: 'cm-1',
      conversationId: 'a',
      type: 'text',
      content: { text: 'hi' },
      status: 'sending',
      createdAt: new Date(0).toISOString(),
      error: null,
    }
    const other = { ...pending, clientMsgId: 'cm-2' }
    const s = reduceChatFrame(state({ pending: { a: [pending, other] } }), created(msg('a', 3, { senderId: ME, clientMsgId: 'cm-1' })), ctx)
    expect(s.pending.a!.map((p) => p.clientMsgId)).toEqual(['cm-2'])
    expect(s.conversations.a).toMatchObject({ readSeq: 3, unreadCount: 0 })
  })

  it('should end the sender’s typing indicator', () => {
    const s = reduceChatFrame(
      state({ typing: { a: { [PEER]: ctx.now + 1000, u3: ctx.now + 1000 } } }),
      created(msg('a', 3, { senderId: PEER })),
      ctx,
    )
    expect(s.typing.a).toEqual({ u3: ctx.now + 1000 })
  })

  it('should leave the summary alone for an older message (history) and the timeline of an unloaded conversation', () => {
    const last = msg('a', 9, { senderId: PEER })
    const s0 = state({ conversations: { a: conversation('a', { lastSeq: 9, lastMessage: last }) }, timelines: {} })
    const s = reduceChatFrame(s0, created(msg('a', 5, { senderId: PEER })), ctx)
    expect(s.conversations.a!.lastMessage).toBe(last)
    expect(s.timelines).toEqual({})
  })
})

describe('reduceChatFrame: edits, recalls, conversations', () => {
  it('should replace an edited message, move the modSeq, and ignore a stale copy', () => {
    const edited = msg('a', 2, { content: { text: 'edited' }, editedAt: new Date(5).toISOString(), modSeq: 1 })
    const s = reduceChatFrame(state(), { type: 'message.updated', message: edited }, ctx)
    expect(s.timelines.a!.messages[1]!.content.text).toBe('edited')
    expect(s.conversations.a!.modSeq).toBe(1)
    const stale = reduceChatFrame(s, { type: 'message.updated', message: msg('a', 2, { modSeq: 0 }) }, ctx)
    expect(stale.timelines.a!.messages[1]!.content.text).toBe('edited')
  })

  it('should take a message’s new reactions from a reaction frame', () => {
    const reacted = msg('a', 1, { modSeq: 4, reactions: [{ emoji: '👍', count: 1, userIds: [PEER] }] })
    const s = reduceChatFrame(state(), { type: 'message.reaction', message: reacted, userId: PEER, emoji: '👍', added: true }, ctx)
    expect(s.timelines.a!.messages[0]!.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [PEER] }])
    expect(s.conversations.a!.modSeq).toBe(4)
  })

  it('should show a recall and update the preview when it was the last message', () => {
    const s0 = state({ conversations: { a: conversation('a', { lastMessage: msg('a', 2) }) } })
    const recalled = msg('a', 2, { recalledAt: new Date(5).toISOString(), content: {}, modSeq: 3 })
    const s = reduceChatFrame(s0, { type: 'message.recalled', message: recalled }, ctx)
    expect(s.timelines.a!.messages[1]!.recalledAt).not.toBeNull()
    expect(s.conversations.a!.lastMessage).toBe(recalled)
    expect(s.conversations.a!.modSeq).toBe(3)
  })

  it('should add or merge a conversation, and drop one I left unless it is open', () => {
    const added = reduceChatFrame(state(), { type: 'conversation.updated', conversation: conversation('w', { kind: 'world' }) }, ctx)
    expect(Object.keys(added.conversations).sort()).toEqual(['a', 'w'])
    expect(added.worldId).toBe('w')
    const left = conversation('a', { leftSeq: 2 })
    expect(reduceChatFrame(state(), { type: 'conversation.updated', conversation: left }, ctx).conversations.a).toBeUndefined()
    expect(
      reduceChatFrame(state({ activeId: 'a' }), { type: 'conversation.updated', conversation: left }, ctx).conversations.a!.leftSeq,
    ).toBe(2)
  })
})

describe('reduceChatFrame: read marks and typing', () => {
  it('should move my read mark from another device, never back', () => {
    const s0 = state({ conversations: { a: conversation('a', { lastSeq: 10, readSeq: 4, unreadCount: 6 }) } })
    const s = reduceChatFrame(s0, { type: 'conversation.read', conversationId: 'a', userId: ME, seq: 8 }, ctx)
    expect(s.conversations.a).toMatchObject({ readSeq: 8, unreadCount: 2 })
    expect(reduceChatFrame(s, { type: 'conversation.read', conversationId: 'a', userId: ME, seq: 5 }, ctx)).toBe(s)
  })

  it('should record a peer’s receipt, and each member’s in a group, from single and batched frames', () => {
    const s0 = state({ conversations: { a: conversation('a'), g: conversation('g', { kind: 'group' }) } })
    const direct = reduceChatFrame(s0, { type: 'conversation.read', conversationId: 'a', userId: PEER, seq: 2 }, ctx)
    expect(direct.peerRead.a).toBe(2)
    const group = reduceChatFrame(
      s0,
      {
        type: 'conversation.read',
        conversationId: 'g',
        reads: [
          { userId: PEER, seq: 3 },
          { userId: 'u3', seq: 1 },
        ],
      },
      ctx,
    )
    expect(group.groupReads.g).toEqual({ [PEER]: 3, u3: 1 })
  })

  it('should show typing for others (one or coalesced), not for me, and expire it', () => {
    const one = reduceChatFrame(state(), { type: 'typing', conversationId: 'a', userId: PEER }, ctx)
    expect(one.typing.a).toEqual({ [PEER]: ctx.now + TYPING_MS })
    const mine = reduceChatFrame(state(), { type: 'typing', conversationId: 'a', userId: ME }, ctx)
    expect(mine.typing).toEqual({})
    const many = reduceChatFrame(state(), { type: 'typing', conversationId: 'a', userIds: [PEER, 'u3', ME] }, ctx)
    expect(Object.keys(many.typing.a!).sort()).toEqual([PEER, 'u3'])
    expect(expireTyping(many, 'a', ctx.now + TYPING_MS - 1)).toBe(many)
    expect(expireTyping(many, 'a', ctx.now + TYPING_MS).typing.a).toEqual({})
  })

  it('should return the same state for frames it does not handle', () => {
    const s = state()
    expect(reduceChatFrame(s, { type: 'pong', id: 1 }, ctx)).toBe(s)
  })
})

describe('applyReads: read positions loaded with the conversation', () => {
  it('should show a direct peer’s read mark and each group member’s after a reload, never moving one back', () => {
    const direct = applyReads(state(), 'a', [{ userId: PEER, seq: 2 }])
    expect(direct.peerRead.a).toBe(2)
    // a receipt that came live first is kept
    const live = reduceChatFrame(state(), { type: 'conversation.read', conversationId: 'a', userId: PEER, seq: 3 }, ctx)
    expect(applyReads(live, 'a', [{ userId: PEER, seq: 1 }]).peerRead.a).toBe(3)

    const group = state({ conversations: { g: conversation('g', { kind: 'group', lastSeq: 5 }) } })
    const read = applyReads(group, 'g', [
      { userId: 'u3', seq: 4 },
      { userId: 'u4', seq: 2 },
      { userId: ME, seq: 1 },
    ])
    expect(read.groupReads.g).toEqual({ u3: 4, u4: 2 })
    // my own position is not a receipt, and does not lower my read mark
    expect(read.conversations.g!.readSeq).toBe(2)
  })
})

describe('user.updated: a profile changed', () => {
  it('should rename a friend, direct peer and group member everywhere, and my own profile from another device', () => {
    const peer = { id: PEER, username: 'peer', nickname: 'Old', avatarFileId: null } as any
    const s = state({
      conversations: { a: conversation('a', { peer }) },
      friends: { [PEER]: { user: peer, remark: '', since: '' } as any },
      members: { g: [{ user: peer, role: 'member', groupNickname: null } as any] },
    })
    const next = reduceChatFrame(s, { type: 'user.updated', user: { ...peer, nickname: 'New' } }, ctx)
    expect(next.users[PEER]!.nickname).toBe('New')
    expect(next.friends[PEER]!.user.nickname).toBe('New')
    expect(next.conversations.a!.peer!.nickname).toBe('New')
    expect(next.members.g![0]!.user.nickname).toBe('New')

    const mine = reduceChatFrame(s, { type: 'user.updated', user: { ...s.auth!.user!, nickname: 'Me2' } }, ctx)
    expect(mine.auth!.user!.nickname).toBe('Me2')
    expect(mine.users[ME]).toBeUndefined()
  })
})

describe('reduceChatFrame: delete for me and mentions (issue 18)', () => {
  it('should drop a message hidden on another device from the timeline, the preview falling back to the newest one shown', () => {
    const s = state({ conversations: { a: conversation('a', { lastMessage: msg('a', 2) }) } })
    const next = reduceChatFrame(s, { type: 'message.hidden', conversationId: 'a', seq: 2, modSeq: 5 }, ctx)
    expect(next.timelines.a!.messages.map((x) => x.seq)).toEqual([1])
    expect(next.conversations.a!.lastMessage?.seq).toBe(1)
    // nothing older loaded: no preview rather than the hidden one
    const unloaded = reduceChatFrame(
      state({ conversations: { a: conversation('a', { lastMessage: msg('a', 2) }) }, timelines: {} }),
      {
        type: 'message.hidden',
        conversationId: 'a',
        seq: 2,
        modSeq: 5,
      },
      ctx,
    )
    expect(unloaded.conversations.a!.lastMessage).toBeNull()
  })

  it('should never bring a hidden message back as the preview when the conversation arrives again (pin, mute on another device)', () => {
    const s = reduceChatFrame(state(), { type: 'message.hidden', conversationId: 'a', seq: 2, modSeq: 5 }, ctx)
    const again = reduceChatFrame(
      s,
      { type: 'conversation.updated', conversation: conversation('a', { pinned: true, lastMessage: msg('a', 2) }) },
      ctx,
    )
    expect(again.conversations.a).toMatchObject({ pinned: true, lastMessage: { seq: 1 } })
  })

  it('should follow pins and unpins made anywhere from their system messages, not from old ones paged in', () => {
    const sys = (seq: number, event: string, pinned: number) =>
      created(msg('a', seq, { type: 'system', senderId: null, content: { event, seq: pinned, actorId: PEER } }))
    let s = reduceChatFrame(state(), sys(3, 'message_pinned', 1), ctx)
    expect(s.conversations.a!.pins).toEqual([{ seq: 1, pinnedBy: PEER, pinnedAt: expect.any(String) }])
    s = reduceChatFrame(s, sys(4, 'message_pinned', 2), ctx)
    expect(s.conversations.a!.pins!.map((p) => p.seq)).toEqual([2, 1])
    s = reduceChatFrame(s, sys(5, 'message_unpinned', 1), ctx)
    expect(s.conversations.a!.pins!.map((p) => p.seq)).toEqual([2])
    // history paged in later repeats an old pin: the pins stay as they are
    expect(reduceChatFrame(s, sys(3, 'message_pinned', 1), ctx).conversations.a!.pins!.map((p) => p.seq)).toEqual([2])
  })

  it('should take messages up to clearedSeq off the open timeline when my history was cleared elsewhere', () => {
    const next = reduceChatFrame(
      s3(),
      { type: 'conversation.updated', conversation: conversation('a', { lastSeq: 3, clearedSeq: 2 }) },
      ctx,
    )
    expect(next.timelines.a!.messages.map((x) => x.seq)).toEqual([3])
    expect(next.timelines.a!.hasMore).toBe(false)
    // a conversation that was never cleared keeps its timeline as it was
    const same = state()
    expect(reduceChatFrame(same, { type: 'conversation.updated', conversation: conversation('a') }, ctx).timelines).toBe(same.timelines)
  })

  it('should count unseen mentions of me and @all, not others, and forget them once read', () => {
    const mention = (seq: number, mentions: string[]) => created(msg('a', seq, { content: { text: 'hey', mentions } }))
    let s = reduceChatFrame(state({ activeId: null }), mention(3, [ME]), ctx)
    s = reduceChatFrame(s, mention(4, ['all']), ctx)
    s = reduceChatFrame(s, mention(5, ['u9']), ctx)
    expect(s.conversations.a).toMatchObject({ unreadCount: 3, mentionCount: 2 })
    const read = reduceChatFrame(s, { type: 'conversation.read', conversationId: 'a', userId: ME, seq: 5 }, ctx)
    expect(read.conversations.a).toMatchObject({ unreadCount: 0, mentionCount: undefined })
  })
})
