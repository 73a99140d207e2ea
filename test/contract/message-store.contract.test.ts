import { expect, it } from 'vitest'
import { newId } from '../../src/shared/ids.js'
import { describeEachStore } from './store-contract.js'

describeEachStore('messages', (ctx) => {
  async function direct() {
    const a = newId()
    const b = newId()
    const conversation = await ctx().store.conversations.getOrCreateDirect(a, b, 1000)
    return { a, b, conversation }
  }

  it('should number messages 1, 2, 3 without gaps under 40 concurrent senders', async () => {
    const { a, b, conversation } = await direct()
    const sends = Array.from({ length: 40 }, (_, i) =>
      ctx().store.messages.append({
        conversationId: conversation.id,
        senderId: i % 2 ? a : b,
        clientMsgId: `c${i}`,
        type: 'text',
        content: { text: `m${i}` },
        now: 2000 + i,
      }),
    )
    const results = await Promise.all(sends)
    expect(results.every((r) => r.created)).toBe(true)
    expect(results.map((r) => r.message.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    const { items } = await ctx().store.messages.history(conversation.id, { limit: 200, minSeq: 1, maxSeq: Number.MAX_SAFE_INTEGER })
    expect(items.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect((await ctx().store.conversations.findById(conversation.id))!.lastSeq).toBe(40)
  })

  it('should fail only the failing one of concurrent sends, and store nothing for a stale version', async () => {
    const { a, b, conversation } = await direct()
    const version = (await ctx().store.conversations.findById(conversation.id))!.membershipVersion
    const base = { senderId: a, type: 'text' as const, now: 4000 }
    const outcomes = await Promise.allSettled([
      ctx().store.messages.append({ ...base, conversationId: conversation.id, clientMsgId: 'n1', content: { text: '1' } }),
      ctx().store.messages.append({ ...base, conversationId: newId(), clientMsgId: 'missing', content: { text: 'x' } }),
      ctx().store.messages.appendChecked(
        { ...base, conversationId: conversation.id, clientMsgId: 'old', content: { text: 'x' } },
        version + 7,
      ),
      ctx().store.messages.appendChecked({ ...base, conversationId: conversation.id, clientMsgId: 'n2', content: { text: '2' } }, version),
      ctx().store.messages.append({ ...base, senderId: b, conversationId: conversation.id, clientMsgId: 'n3', content: { text: '3' } }),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
    const value = (i: number) => (outcomes[i] as PromiseFulfilledResult<unknown>).value
    expect(value(2)).toBe('stale')
    const seqs = [0, 3, 4].map((i) => (value(i) as { message: { seq: number } }).message.seq).sort()
    expect(seqs).toEqual([1, 2, 3])
    const { items } = await ctx().store.messages.history(conversation.id, { limit: 10, minSeq: 1, maxSeq: 100 })
    expect(items.map((m) => m.clientMsgId).sort()).toEqual(['n1', 'n2', 'n3'])
    expect((await ctx().store.conversations.findById(conversation.id))!.lastSeq).toBe(3)
  })

  it('should store a message with its mention rows in one transaction, alone or in a batch, and not twice for a retry', async () => {
    const { a, b, conversation } = await direct()
    const version = (await ctx().store.conversations.findById(conversation.id))!.membershipVersion
    const mentionsOfB = async () =>
      (await ctx().store.mentions.unreadCounts(b, [{ conversationId: conversation.id, afterSeq: 0, maxSeq: 1000 }])).get(conversation.id) ??
      0
    const send = (clientMsgId: string, mentions?: string[]) =>
      ctx().store.messages.append({
        conversationId: conversation.id,
        senderId: a,
        clientMsgId,
        type: 'text',
        content: { text: clientMsgId },
        now: 5000,
        ...(mentions && { mentions }),
      })
    await send('alone', [b])
    expect(await mentionsOfB()).toBe(1)
    // concurrent sends share one commit (group commit): each keeps its own mention rows
    await Promise.all([send('m1', [b, '*']), send('plain1'), send('m2', ['*']), send('plain2'), send('m3', [newId()])])
    expect(await mentionsOfB()).toBe(3)
    // a retried send returns the stored message and writes nothing again; a stale one writes nothing
    expect((await send('m1', [b])).created).toBe(false)
    const stale = await ctx().store.messages.appendChecked(
      { conversationId: conversation.id, senderId: a, clientMsgId: 'stale', type: 'text', content: {}, now: 5000, mentions: [b] },
      version + 1,
    )
    expect(stale).toBe('stale')
    expect(await mentionsOfB()).toBe(3)
    expect((await ctx().store.conversations.findById(conversation.id))!.lastSeq).toBe(6)
  })

  it('should store one message for racing retries with the same clientMsgId, keeping the first content', async () => {
    const { a, conversation } = await direct()
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ctx().store.messages.append({
          conversationId: conversation.id,
          senderId: a,
          clientMsgId: 'same',
          type: 'text',
          content: { text: `try ${i}` },
          now: 3000,
        }),
      ),
    )
    expect(results.filter((r) => r.created)).toHaveLength(1)
    const ids = new Set(results.map((r) => r.message.id))
    expect(ids.size).toBe(1)
    expect(new Set(results.map((r) => r.message.seq))).toEqual(new Set([1]))
    const next = await ctx().store.messages.append({
      conversationId: conversation.id,
      senderId: a,
      clientMsgId: 'other',
      type: 'text',
      content: { text: 'x' },
      now: 3001,
    })
    expect(next.message.seq).toBe(2)
  })

  it('should let the same clientMsgId be used by another sender or conversation', async () => {
    const { a, b, conversation } = await direct()
    const one = await ctx().store.messages.append({
      conversationId: conversation.id,
      senderId: a,
      clientMsgId: 'k',
      type: 'text',
      content: { text: '1' },
      now: 1,
    })
    const two = await ctx().store.messages.append({
      conversationId: conversation.id,
      senderId: b,
      clientMsgId: 'k',
      type: 'text',
      content: { text: '2' },
      now: 2,
    })
    expect([one.created, two.created]).toEqual([true, true])
    expect([one.message.seq, two.message.seq]).toEqual([1, 2])
  })

  it('should keep emoji and CJK text intact', async () => {
    const { a, conversation } = await direct()
    const text = '你好 🦊👨‍👩‍👧 héllo'
    await ctx().store.messages.append({
      conversationId: conversation.id,
      senderId: a,
      clientMsgId: 'e',
      type: 'text',
      content: { text },
      now: 1,
    })
    expect((await ctx().store.messages.findBySeq(conversation.id, 1))!.content).toEqual({ text })
  })

  it('should page history before and after a seq within the visible range', async () => {
    const { a, conversation } = await direct()
    for (let i = 1; i <= 10; i++) {
      await ctx().store.messages.append({
        conversationId: conversation.id,
        senderId: a,
        clientMsgId: `h${i}`,
        type: 'text',
        content: { text: String(i) },
        now: i,
      })
    }
    const h = ctx().store.messages
    const latest = await h.history(conversation.id, { limit: 3, minSeq: 1, maxSeq: 99 })
    expect(latest.items.map((m) => m.seq)).toEqual([8, 9, 10])
    expect(latest.hasMore).toBe(true)
    expect((await h.history(conversation.id, { before: 8, limit: 3, minSeq: 1, maxSeq: 99 })).items.map((m) => m.seq)).toEqual([5, 6, 7])
    expect((await h.history(conversation.id, { after: 8, limit: 3, minSeq: 1, maxSeq: 99 })).items.map((m) => m.seq)).toEqual([9, 10])
    const ranged = await h.history(conversation.id, { limit: 50, minSeq: 4, maxSeq: 6 })
    expect(ranged.items.map((m) => m.seq)).toEqual([4, 5, 6])
    expect(ranged.hasMore).toBe(false)
  })

  it('should move the sender read_seq with each send and compute unread for the peer', async () => {
    const { a, b, conversation } = await direct()
    for (let i = 1; i <= 3; i++) {
      await ctx().store.messages.append({
        conversationId: conversation.id,
        senderId: a,
        clientMsgId: `u${i}`,
        type: 'text',
        content: { text: 'x' },
        now: i,
      })
    }
    const sa = await ctx().store.conversations.summaryFor(conversation.id, a)
    const sb = await ctx().store.conversations.summaryFor(conversation.id, b)
    expect(sa!.membership.readSeq).toBe(3)
    expect(sb!.membership.readSeq).toBe(0)
    expect(sb!.lastMessage!.seq).toBe(3)
    expect(await ctx().store.conversations.markRead(conversation.id, b, 2, 10)).toEqual({ readSeq: 2, moved: true })
    expect(await ctx().store.conversations.markRead(conversation.id, b, 1, 11)).toEqual({ readSeq: 2, moved: false })
    expect(await ctx().store.conversations.markRead(conversation.id, b, 2, 11)).toEqual({ readSeq: 2, moved: false })
    expect(await ctx().store.conversations.markRead(conversation.id, b, 99, 12)).toEqual({ readSeq: 3, moved: true })
    expect(await ctx().store.conversations.markRead(conversation.id, newId(), 1, 13)).toBeNull()
  })

  it('should return the same direct conversation for racing creators and either order of users', async () => {
    const a = newId()
    const b = newId()
    const all = await Promise.all([
      ctx().store.conversations.getOrCreateDirect(a, b, 1),
      ctx().store.conversations.getOrCreateDirect(b, a, 1),
      ctx().store.conversations.getOrCreateDirect(a, b, 1),
    ])
    expect(new Set(all.map((c) => c.id)).size).toBe(1)
    expect((await ctx().store.conversations.memberRanges(all[0]!.id)).members).toHaveLength(2)
  })

  it('should list conversations pinned first, then by last activity, with cursor paging', async () => {
    const me = newId()
    const peers = [newId(), newId(), newId()]
    const convs = []
    for (const [i, p] of peers.entries()) {
      const c = await ctx().store.conversations.getOrCreateDirect(me, p, 100 + i)
      await ctx().store.messages.append({
        conversationId: c.id,
        senderId: p,
        clientMsgId: 'x',
        type: 'text',
        content: { text: 'hi' },
        now: 1000 + i,
      })
      convs.push(c)
    }
    await ctx().store.conversations.updatePrefs(convs[0]!.id, me, { pinned: true }, 5000)
    const page1 = await ctx().store.conversations.listForUser(me, 2, null)
    expect(page1.items.map((s) => s.conversation.id)).toEqual([convs[0]!.id, convs[2]!.id])
    expect(page1.items[0]!.membership.pinned).toBe(true)
    const page2 = await ctx().store.conversations.listForUser(me, 2, page1.nextCursor)
    expect(page2.items.map((s) => s.conversation.id)).toEqual([convs[1]!.id])
    expect(page2.nextCursor).toBeNull()
  })
})
