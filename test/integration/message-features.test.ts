import { describe, expect, it } from 'vitest'
import type { Conversation } from '@jim/client'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { befriend, createGroup, sendText } from '../helpers/social.js'
import { useDirectChat } from '../helpers/suite-fixtures.js'
import { download, makeImage, upload } from '../helpers/uploads.js'

let n = 0
const cid = () => `mf-${Date.now()}-${++n}`
const refused = async (call: Promise<unknown>) => {
  try {
    await call
  } catch (err) {
    return err as { status: number; code: string; details?: unknown }
  }
  throw new Error('expected a refusal')
}

/** Delete for me, mentions and forwarding (issue 18), through the SDK, on every database. */
for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: delete for me, mentions, forwarding`, () => {
    const chat = useDirectChat({
      dialect,
      overrides: { 'messages.maxForwardMessages': 4, 'messages.maxForwardTargets': 2, 'messages.forwardPerMinute': 1000 },
    })
    /** a group of alice (owner), bob and dave, made by the first test that needs it */
    let group: { conv: string; dave: TestUser } | null = null
    const theGroup = async () => {
      if (group) return group
      const dave = await createUser(chat.t.url, 'dave')
      await befriend(chat.alice, dave)
      const g = await createGroup(chat.alice, { name: 'features', memberIds: [chat.bob.id, dave.id] })
      group = { conv: g.group.conversationId, dave }
      return group
    }
    const view = async (u: TestUser, conv: string): Promise<Conversation> => u.api.sdk.conversation(conv)

    it('should hide a message for me on all my devices, through history, changedSince and resume, and not for others', async () => {
      const { alice, bob, carol, conv } = chat
      const before = await view(alice, conv)
      const m = await sendText(bob, conv, 'delete me for alice')
      const keep = await sendText(bob, conv, 'keep me')
      const otherDevice = await chat.open(alice)
      const bobSocket = await chat.open(bob)

      await alice.api.sdk.hideMessage(conv, m.seq)
      const frame = await otherDevice.take((f) => f.type === 'message.hidden', 'message.hidden')
      expect(frame).toMatchObject({ conversationId: conv, seq: m.seq })
      await alice.api.sdk.hideMessage(conv, m.seq) // idempotent

      const seqsOf = async (u: TestUser) => (await u.api.sdk.messages(conv, { after: before.lastSeq })).items.map((x) => x.seq)
      expect(await seqsOf(alice)).toEqual([keep.seq])
      expect(await seqsOf(bob)).toEqual([m.seq, keep.seq])
      const changes = await alice.api.sdk.changes(conv, before.modSeq)
      expect(changes.hiddenSeqs).toEqual([m.seq])
      expect((await bob.api.sdk.changes(conv, before.modSeq)).hiddenSeqs).toEqual([])

      // a device that was away resumes from before both messages, and from between them
      const away = await chat.open(alice)
      away.send({ type: 'resume', id: 'r1', positions: { [conv]: { seq: before.lastSeq, modSeq: before.modSeq } } })
      await away.take((f) => f.type === 'resumed', 'resumed')
      expect(away.all('message.created').map((f) => f.message.seq)).toEqual([keep.seq])
      const late = await chat.open(alice)
      late.send({ type: 'resume', id: 'r2', positions: { [conv]: { seq: keep.seq, modSeq: before.modSeq } } })
      const hiddenOnResume = await late.take((f) => f.type === 'message.hidden', 'message.hidden on resume')
      expect(hiddenOnResume.seq).toBe(m.seq)

      // bob's devices heard nothing of it
      const marker = await sendText(alice, conv, 'marker')
      await bobSocket.take((f) => f.type === 'message.created' && f.message.seq === marker.seq, 'marker')
      expect(bobSocket.all('message.hidden')).toEqual([])

      expect(await refused(carol.api.sdk.hideMessage(conv, m.seq))).toMatchObject({ status: 404, code: 'conversation.not_found' })
      expect(await refused(alice.api.sdk.hideMessage(conv, 999_999))).toMatchObject({ status: 404, code: 'message.not_found' })
    })

    it('should page only what each member may see: from their join or their clear, up to their leave; others get 404', async () => {
      const { alice, bob, carol } = chat
      const erin = await createUser(chat.t.url, 'erin')
      await befriend(alice, erin)
      const { group } = await createGroup(alice, { name: 'ranges', joinPolicy: 'invite', memberIds: [bob.id] })
      const conv = group.conversationId
      const seqs = async (u: TestUser, q: { before?: number; after?: number; limit?: number } = {}) => {
        const page = await u.api.sdk.messages(conv, { limit: 50, ...q })
        return { seqs: page.items.map((x) => x.seq), hasMore: page.hasMore }
      }
      const early = await sendText(bob, conv, 'early')
      expect((await alice.api.post(`/groups/${group.id}/members`, { userIds: [erin.id] })).status).toBe(200)
      const erinJoined = (await view(erin, conv)).lastSeq
      const middle = await sendText(alice, conv, 'middle')
      expect((await bob.api.post(`/groups/${group.id}/leave`)).status).toBe(204)
      const bobLeft = (await view(alice, conv)).lastSeq
      const late = await sendText(alice, conv, 'late')

      // bob: everything from the start up to his leave, never what came after
      expect((await seqs(bob)).seqs).toEqual(Array.from({ length: bobLeft }, (_, i) => i + 1))
      expect(await seqs(bob, { after: middle.seq })).toEqual({ seqs: [bobLeft], hasMore: false })
      expect(await seqs(bob, { after: bobLeft })).toEqual({ seqs: [], hasMore: false })
      expect(await seqs(bob, { before: late.seq + 1, limit: 2 })).toEqual({ seqs: [bobLeft - 1, bobLeft], hasMore: true })
      // erin: from her join notice on, whatever the page asks for
      expect((await seqs(erin)).seqs).toEqual(Array.from({ length: late.seq - erinJoined + 1 }, (_, i) => erinJoined + i))
      expect(await seqs(erin, { before: erinJoined })).toEqual({ seqs: [], hasMore: false })
      expect(await seqs(erin, { after: 0, limit: 1 })).toEqual({ seqs: [erinJoined], hasMore: true })
      expect((await seqs(erin, { before: middle.seq })).seqs).not.toContain(early.seq)
      // alice clears her copy: an empty history (200), then only what comes after
      expect((await alice.api.delete(`/conversations/${conv}/messages`)).status).toBe(204)
      expect(await seqs(alice)).toEqual({ seqs: [], hasMore: false })
      expect(await seqs(alice, { after: 0 })).toEqual({ seqs: [], hasMore: false })
      const after = await sendText(erin, conv, 'after the clear')
      expect(await seqs(alice)).toEqual({ seqs: [after.seq], hasMore: false })
      expect((await seqs(erin)).seqs.at(-1)).toBe(after.seq)
      // never a member: 404, whichever page
      for (const q of [{}, { before: late.seq }, { after: 0 }])
        expect(await refused(carol.api.sdk.messages(conv, q))).toMatchObject({ status: 404, code: 'conversation.not_found' })
      expect(await refused(carol.api.sdk.messages('not-an-id', {}))).toMatchObject({ status: 404, code: 'conversation.not_found' })
    })

    it('should fill a history page with the messages I still see, around the ones I deleted for me', async () => {
      const { alice, bob, conv } = chat
      const first = await sendText(bob, conv, 'page 1')
      const hiddenA = await sendText(bob, conv, 'page hidden a')
      const second = await sendText(bob, conv, 'page 2')
      const hiddenB = await sendText(bob, conv, 'page hidden b')
      await alice.api.sdk.hideMessage(conv, hiddenA.seq)
      await alice.api.sdk.hideMessage(conv, hiddenB.seq)
      const page = (q: { before?: number; after?: number; limit: number }) => alice.api.sdk.messages(conv, q)

      const latest = await page({ limit: 2 })
      expect(latest.items.map((x) => x.seq)).toEqual([first.seq, second.seq])
      expect(latest.hasMore).toBe(true)
      const forward = await page({ after: first.seq - 1, limit: 2 })
      expect(forward.items.map((x) => x.seq)).toEqual([first.seq, second.seq])
      expect(forward.hasMore).toBe(false) // only hidden-b is left after them, and I do not see it
      expect((await page({ before: second.seq, limit: 1 })).items.map((x) => x.seq)).toEqual([first.seq])
      // bob still sees all four
      const bobs = await bob.api.sdk.messages(conv, { after: first.seq - 1, limit: 10 })
      expect(bobs.items.map((x) => x.seq)).toEqual([first.seq, hiddenA.seq, second.seq, hiddenB.seq])
    })

    it('should preview the newest message I still see in my conversation list, not one I deleted for me', async () => {
      const { alice, bob, conv } = chat
      const shown = await sendText(bob, conv, 'preview stays')
      const gone = await sendText(bob, conv, 'preview hidden for alice')
      const previewOf = async (u: TestUser) => {
        const listed = (await u.api.sdk.conversations()).items.find((c) => c.id === conv)!
        expect((await u.api.sdk.conversation(conv)).lastMessage?.seq).toBe(listed.lastMessage?.seq)
        return listed.lastMessage?.content.text
      }
      expect(await previewOf(alice)).toBe('preview hidden for alice')
      await alice.api.sdk.hideMessage(conv, gone.seq)
      expect(await previewOf(alice)).toBe('preview stays')
      expect(await previewOf(bob)).toBe('preview hidden for alice') // only for me
      await alice.api.sdk.hideMessage(conv, shown.seq)
      // an earlier message, or none
      expect(['preview stays', 'preview hidden for alice']).not.toContain(await previewOf(alice))
    })

    it('should count unread mentions and @all per member until read, and keep the alert-when-muted setting', async () => {
      const { alice, bob } = chat
      const { conv, dave } = await theGroup()
      const send = (u: TestUser, text: string, mentions: string[]) =>
        u.api.sdk.send(conv, { clientMsgId: cid(), type: 'text', content: { text, mentions } })

      await send(dave, '@bob look', [bob.id])
      expect((await view(bob, conv)).mentionCount).toBe(1)
      expect((await view(alice, conv)).mentionCount).toBeUndefined()
      expect(await refused(send(dave, '@all nope', ['all']))).toMatchObject({ status: 422, code: 'message.mention_all_forbidden' })

      await alice.api.sdk.updateConversation(conv, { muted: true })
      const all = await send(alice, '@all meeting', ['all'])
      expect((await view(bob, conv)).mentionCount).toBe(2)
      expect((await view(dave, conv)).mentionCount).toBe(1)
      expect((await view(alice, conv)).mentionCount).toBeUndefined() // not her own @all
      const listed = (await bob.api.sdk.conversations()).items.find((c) => c.id === conv)
      expect(listed?.mentionCount).toBe(2)

      await bob.api.sdk.markRead(conv, all.message.seq)
      expect((await view(bob, conv)).mentionCount).toBeUndefined()
      // a recalled mention no longer counts
      const recalled = await send(alice, '@dave oops', [dave.id])
      await alice.api.sdk.recallMessage(conv, recalled.message.seq)
      expect((await view(dave, conv)).mentionCount).toBe(1)

      expect((await bob.api.sdk.me()).mentionAlertMuted).toBe(true)
      expect((await bob.api.sdk.updateMe({ mentionAlertMuted: false })).mentionAlertMuted).toBe(false)
      expect((await bob.api.sdk.me()).mentionAlertMuted).toBe(false)
      expect((await bob.api.patch('/me', { mentionAlertMuted: 'no' })).status).toBe(400)
    })

    it('should forward one by one (naming the sender, without mentions) and merged, idempotently, with file access for the recipients', async () => {
      const { alice, bob, conv } = chat
      const { conv: groupConv, dave } = await theGroup()
      const text = await bob.api.sdk.send(conv, { clientMsgId: cid(), type: 'text', content: { text: 'hi @alice', mentions: [alice.id] } })
      const uploaded = await upload(chat.t.url, bob, await makeImage('png', 8, 8), { name: 'pic.png', type: 'image/png' })
      expect(uploaded.status).toBe(201)
      const fileId = uploaded.body.fileId as string
      const image = await bob.api.sdk.send(conv, { clientMsgId: cid(), type: 'image', content: { fileId } })
      const canRead = async (u: TestUser) => (await download(`${chat.t.url}/api/v1/files/${fileId}`, u.token)).status
      expect(await canRead(dave)).toBe(404)

      const key = cid()
      const body = { seqs: [text.message.seq, image.message.seq], targets: [groupConv], mode: 'single' as const, clientMsgId: key }
      const single = await alice.api.sdk.forward(conv, body)
      const copies = single.results[0]!.messages
      expect(copies.map((m) => m.type)).toEqual(['text', 'image'])
      expect(copies[0]!.senderId).toBe(alice.id)
      expect(copies[0]!.content).toEqual({ text: 'hi @alice', forwarded: { senderId: bob.id, senderName: bob.username } })
      expect(copies[1]!.content).toMatchObject({ fileId, forwarded: { senderId: bob.id, senderName: bob.username } })
      expect(await canRead(dave)).toBe(200)
      const again = await alice.api.sdk.forward(conv, body)
      expect(again.results[0]!.messages.map((m) => m.id)).toEqual(copies.map((m) => m.id))

      // a forward of a forward still names the original sender
      const chain = await dave.api.sdk.forward(groupConv, {
        seqs: [copies[0]!.seq],
        targets: [groupConv],
        mode: 'single',
        clientMsgId: cid(),
      })
      expect(chain.results[0]!.messages[0]!.content.forwarded).toEqual({ senderId: bob.id, senderName: bob.username })

      const merged = await alice.api.sdk.forward(conv, { ...body, mode: 'merged', clientMsgId: cid() })
      const history = merged.results[0]!.messages[0]!
      expect(history.type).toBe('forward')
      expect(history.content.source).toEqual({ kind: 'direct', names: expect.arrayContaining([alice.username, bob.username]) })
      expect(history.content.items).toEqual([
        expect.objectContaining({ senderId: bob.id, senderName: bob.username, type: 'text', content: { text: 'hi @alice' } }),
        expect.objectContaining({ senderId: bob.id, type: 'image', content: expect.objectContaining({ fileId }) }),
      ])
      // the recipients' history has it too
      const last = (await dave.api.sdk.messages(groupConv, { limit: 1 })).items[0]!
      expect(last.id).toBe(history.id)
    })

    it('should refuse forwards that break the rules with clear errors', async () => {
      const { alice, bob, carol, conv } = chat
      const { conv: groupConv } = await theGroup()
      const m = await sendText(bob, conv, 'forward rules')
      const f = (u: TestUser, source: string, seqs: number[], targets: string[], mode: 'single' | 'merged' = 'single') =>
        refused(u.api.sdk.forward(source, { seqs, targets, mode, clientMsgId: cid() }))

      // the source: only what I can see; not recalled; no system message
      expect(await f(carol, conv, [m.seq], [groupConv])).toMatchObject({ status: 404, code: 'conversation.not_found' })
      expect(await f(alice, conv, [999_999], [groupConv])).toMatchObject({ status: 404, code: 'message.not_found' })
      const gone = await sendText(bob, conv, 'recalled soon')
      await bob.api.sdk.recallMessage(conv, gone.seq)
      expect(await f(alice, conv, [gone.seq], [groupConv])).toMatchObject({ status: 422, code: 'forward.recalled' })
      await alice.api.sdk.pin(groupConv, (await sendText(alice, groupConv, 'pin me')).seq)
      const notice = (await alice.api.sdk.messages(groupConv, { limit: 1 })).items[0]!
      expect(notice.type).toBe('system')
      expect(await f(alice, groupConv, [notice.seq], [conv])).toMatchObject({ status: 422, code: 'forward.not_forwardable' })

      // the targets: only where I may post
      const carolGroup = await createGroup(carol, { name: 'carol only' })
      expect(await f(alice, conv, [m.seq], [carolGroup.group.conversationId])).toMatchObject({
        status: 404,
        code: 'conversation.not_found',
      })
      // bounds: messages, targets, copies
      expect(await f(alice, conv, [1, 2, 3, 4, 5], [groupConv], 'merged')).toMatchObject({ status: 400, code: 'request.invalid' })
      expect(await f(alice, conv, [m.seq], [groupConv, conv, carolGroup.group.conversationId])).toMatchObject({
        status: 400,
        code: 'request.invalid',
      })
      expect(await f(alice, conv, [1, 2, 3], [groupConv, conv])).toMatchObject({ status: 400, code: 'request.invalid' })
      expect((await alice.api.post(`/conversations/${conv}/forward`, { seqs: [m.seq], targets: [groupConv], mode: 'copy' })).status).toBe(
        400,
      )
      // nothing was sent by a refused forward
      const before = (await view(alice, groupConv)).lastSeq
      await f(alice, conv, [m.seq], [groupConv, carolGroup.group.conversationId])
      expect((await view(alice, groupConv)).lastSeq).toBe(before)
      const fresh = await sendText(alice, groupConv, 'to the blocked chat')
      await bob.api.sdk.block(alice.id)
      expect(await f(alice, groupConv, [fresh.seq], [conv])).toMatchObject({ status: 422, code: 'message.blocked' })
      // a target I may post in, then one I may not: refused before anything is stored anywhere
      const groupBefore = (await view(alice, groupConv)).lastSeq
      const directBefore = (await view(alice, conv)).lastSeq
      expect(await f(alice, groupConv, [fresh.seq], [groupConv, conv])).toMatchObject({ status: 422, code: 'message.blocked' })
      expect((await view(alice, groupConv)).lastSeq).toBe(groupBefore)
      expect((await view(alice, conv)).lastSeq).toBe(directBefore)
    })
  })

  describe(`${dialect}: a forward beyond the send limit`, () => {
    const chat = useDirectChat({ dialect, overrides: { 'messages.sendPerMinute': 3 } })

    it('should store no copy when its copies together exceed the send limit (not the first ones, then 429)', async () => {
      const { alice, bob, conv } = chat
      const one = await sendText(bob, conv, 'one')
      const two = await sendText(bob, conv, 'two')
      const mine = await sendText(alice, conv, 'mine') // 1 of alice's 3 sends this minute
      // three copies would be her sends 2, 3 and 4: refused whole
      const forward = { seqs: [one.seq, two.seq, mine.seq], targets: [conv], mode: 'single' as const, clientMsgId: cid() }
      expect(await refused(alice.api.sdk.forward(conv, forward))).toMatchObject({ status: 429, code: 'rate_limited' })
      expect((await alice.api.sdk.conversation(conv)).lastSeq).toBe(mine.seq)
    })
  })

  describe(`${dialect}: forward and delete-for-me rate limits`, () => {
    const chat = useDirectChat({ dialect, overrides: { 'messages.forwardPerMinute': 2, 'messages.hidePerMinute': 2 } })

    it('should answer 429 beyond the per-minute budgets', async () => {
      const { alice, bob, conv } = chat
      const m = await sendText(bob, conv, 'spam source')
      const forward = () =>
        alice.api.post(`/conversations/${conv}/forward`, { seqs: [m.seq], targets: [conv], mode: 'single', clientMsgId: cid() })
      const statuses = (await Promise.all([forward(), forward(), forward()])).map((r) => r.status).sort()
      expect(statuses).toEqual([200, 200, 429])
      const hides = await Promise.all(
        [1, 2, 3].map(
          async () => (await alice.api.put(`/conversations/${conv}/messages/${(await sendText(bob, conv, 'h')).seq}/hidden`)).status,
        ),
      )
      expect(hides.sort()).toEqual([204, 204, 429])
    })
  })
}
