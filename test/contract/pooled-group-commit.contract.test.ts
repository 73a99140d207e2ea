import { expect, it } from 'vitest'
import type { AppendMessage } from '../../src/domain/messages/message-store.js'
import { newId } from '../../src/shared/ids.js'
import { PooledGroupCommit } from '../../src/store/sql/pooled-group-commit.js'
import { PooledAppender } from '../../src/store/sql/send-appender.js'
import { describeEachStore } from './store-contract.js'

/**
 * MariaDB/PostgreSQL group commit (SQLite has its own, covered through the store contract): the
 * shared transaction really carries the batch (no send falls back to running alone), and when one
 * send makes it fail, each send runs alone and only the bad one fails.
 */
describeEachStore('pooled group commit', (ctx) => {
  function appender() {
    const { db, caps } = ctx().database
    const alone = new PooledAppender(db, caps)
    let ranAlone = 0
    const single = {
      append: (input: AppendMessage, expectedVersion?: number) => {
        ranAlone++
        return alone.append(input, expectedVersion)
      },
    }
    return { commit: new PooledGroupCommit(db, caps, single), ranAlone: () => ranAlone }
  }

  const send = (conversationId: string, senderId: string, clientMsgId: string, now = 1000): AppendMessage => ({
    conversationId,
    senderId,
    clientMsgId,
    type: 'text',
    content: { text: clientMsgId },
    now,
  })

  it('should keep seqs gapless per conversation and retries idempotent across overlapping concurrent batches', async () => {
    if (ctx().dialect === 'sqlite') return
    const users = [newId(), newId(), newId(), newId()]
    const convs = await Promise.all([0, 1, 2].map((i) => ctx().store.conversations.getOrCreateDirect(users[i]!, users[i + 1]!, 1)))
    const { commit, ranAlone } = appender()
    const pending: Array<Promise<unknown>> = []
    const expected = new Map<string, number>()
    // waves in separate event-loop turns: several batches in flight at once, each locking
    // an overlapping set of conversations (in a different order of arrival per wave)
    for (let wave = 0; wave < 12; wave++) {
      for (let k = 0; k < 15; k++) {
        const c = convs[(wave + k) % 3]!
        const sender = users[(wave + k) % 3]!
        pending.push(commit.append(send(c.id, sender, `w${wave}k${k}`, wave)))
        expected.set(c.id, (expected.get(c.id) ?? 0) + 1)
      }
      // a retry of the previous wave's first send: the same message back, nothing new stored
      if (wave > 0) pending.push(commit.append(send(convs[(wave - 1) % 3]!.id, users[(wave - 1) % 3]!, `w${wave - 1}k0`, wave)))
      await new Promise((r) => setImmediate(r))
    }
    const results = (await Promise.all(pending)) as Array<{ created: boolean; message: { id: string; clientMsgId: string } }>
    expect(results.filter((r) => r.created)).toHaveLength(12 * 15)
    const firstOfWave = new Map(results.filter((r) => r.created).map((r) => [r.message.clientMsgId, r.message.id]))
    for (const r of results.filter((r) => !r.created)) expect(r.message.id).toBe(firstOfWave.get(r.message.clientMsgId))
    for (const [i, c] of convs.entries()) {
      const n = expected.get(c.id)!
      const { items } = await ctx().store.messages.history(c.id, { limit: 200, minSeq: 1, maxSeq: 1000 })
      expect(items.map((m) => m.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
      expect((await ctx().store.conversations.findById(c.id))!.lastSeq).toBe(n)
      // conversation i's only sender is users[i]: sending read everything up to their last message
      expect((await ctx().store.conversations.summaryFor(c.id, users[i]!))!.membership.readSeq).toBe(n)
    }
    expect(ranAlone()).toBe(0)
  })

  it('should run each send alone when one makes the shared transaction fail, failing only that one', async () => {
    if (ctx().dialect === 'sqlite') return
    const [a, b] = [newId(), newId()]
    const conv = await ctx().store.conversations.getOrCreateDirect(a, b, 1)
    const { commit, ranAlone } = appender()
    const outcomes = await Promise.allSettled([
      commit.append(send(conv.id, a, 'good1')),
      // longer than the column (varchar 64): the database refuses the multi-row insert
      commit.append(send(conv.id, b, 'x'.repeat(80))),
      commit.append(send(conv.id, b, 'good2')),
      commit.append(send(newId(), a, 'no-such-conversation')),
      commit.append(send(conv.id, a, 'good3')),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'])
    expect(ranAlone()).toBe(5)
    const { items } = await ctx().store.messages.history(conv.id, { limit: 10, minSeq: 1, maxSeq: 100 })
    expect(items.map((m) => [m.seq, m.clientMsgId])).toEqual([
      [1, 'good1'],
      [2, 'good2'],
      [3, 'good3'],
    ])
    const summary = await ctx().store.conversations.summaryFor(conv.id, a)
    expect(summary!.membership.readSeq).toBe(3)
  })
})
