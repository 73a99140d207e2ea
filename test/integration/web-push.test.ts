import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { dialectsUnderTest } from '../helpers/databases.js'
import { FakePushService, type FakeDevice } from '../helpers/fake-push-service.js'
import { befriend, createGroup, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

/**
 * Web Push end to end: JIM encrypts (RFC 8291) and signs (VAPID) pushes to a push service in the
 * test (plain http on 127.0.0.1, allowed by push.allowInsecureEndpoints), which decrypts them
 * with the device's own keys. Each case ends with `notifier.idle()`: every decision was made, so
 * "nothing was pushed" is checked after the fact, never by waiting a while.
 */
// SQLite and one server database (env STORES narrows, as for every suite that repeats per store)
for (const dialect of (['sqlite', 'postgres'] as const).filter((d) => dialectsUnderTest().includes(d))) {
  describe(`Web Push (${dialect})`, () => {
    let t: TestApp
    let push: FakePushService
    let ann: TestUser
    let bob: TestUser
    let conv = ''
    let n = 0
    const idle = () => t.app.notifications.notifier.idle()

    async function subscribe(user: TestUser, name: string): Promise<FakeDevice> {
      const device = push.device(`${dialect}-${name}-${++n}`)
      const res = await user.api.post('/me/push-subscriptions', device.subscription())
      expect(res.status).toBe(201)
      return device
    }

    beforeAll(async () => {
      push = await new FakePushService().start()
      t = await startTestApp({ dialect, overrides: { 'push.allowInsecureEndpoints': true, 'push.unreadDelaySeconds': 1 } })
      ann = await createUser(t.url, 'pann', { nickname: 'Ann' })
      bob = await createUser(t.url, 'pbob', { nickname: 'Bob' })
      await befriend(ann, bob)
      conv = await directConversation(ann, bob)
    }, 60_000)

    afterAll(async () => {
      await t?.close()
      await push?.stop()
    })

    it('should push an encrypted, VAPID-signed notification to an offline user, and close it when they read on another device', async () => {
      const config = await bob.api.get('/push/config')
      expect(config.body.enabled).toBe(true)
      // nobody has subscribed yet, so sends skip push work; the first subscription turns it on at once
      await sendText(ann, conv, 'before any device')
      await idle()
      const phone = await subscribe(bob, 'phone')
      await sendText(ann, conv, 'hello 👋 from Ann')
      await idle()
      expect(push.to(phone.name)).toEqual([
        { kind: 'message', tag: `c:${conv}`, conversationId: conv, title: 'Ann', body: 'hello 👋 from Ann' },
      ])
      const headers = push.received.find((r) => r.device === phone.name)!.headers
      expect(headers['content-encoding']).toBe('aes128gcm')
      expect(String(headers.authorization)).toContain(`k=${config.body.vapidPublicKey}`)

      // read on the laptop: the phone's notification for that chat closes
      const last = (await bob.api.get(`/conversations/${conv}`)).body.lastSeq
      expect((await bob.api.post(`/conversations/${conv}/read`, { seq: last })).status).toBeLessThan(300)
      await idle()
      expect(push.to(phone.name).at(-1)).toEqual({ kind: 'clear', tag: `c:${conv}`, conversationId: conv })
    })

    it('should hide the text when previews are off, and push nothing in a muted chat or in quiet hours, except a mention', async () => {
      const tablet = await subscribe(bob, 'tablet')
      expect((await bob.api.patch('/me/notification-settings', { previews: false })).body.previews).toBe(false)
      await sendText(ann, conv, 'secret words')
      await idle()
      expect(push.to(tablet.name)).toEqual([{ kind: 'message', tag: `c:${conv}`, conversationId: conv, title: 'Ann' }])

      // muted: nothing, but a mention breaks through
      const { group } = await createGroup(ann, { name: 'Team', memberIds: [bob.id] })
      expect((await bob.api.patch(`/conversations/${group.conversationId}`, { muted: true })).status).toBe(200)
      await sendText(ann, group.conversationId, 'muted chatter')
      await idle()
      expect(push.to(tablet.name)).toHaveLength(1)
      await ann.api.sdk.send(group.conversationId, {
        clientMsgId: `mention-${n}`,
        type: 'text',
        content: { text: '@Bob look', mentions: [bob.id] },
      })
      await idle()
      expect(push.to(tablet.name).at(-1)).toMatchObject({ kind: 'message', title: 'Team', conversationId: group.conversationId })
      // the account's one "mentions through mute" setting (the web client's in-app alerts read it too) turns that off
      expect((await bob.api.patch('/me', { mentionAlertMuted: false })).status).toBe(200)
      await ann.api.sdk.send(group.conversationId, {
        clientMsgId: `mention-off-${n}`,
        type: 'text',
        content: { text: '@Bob again', mentions: [bob.id] },
      })
      await idle()
      expect(push.to(tablet.name)).toHaveLength(2)
      expect((await bob.api.patch('/me', { mentionAlertMuted: true })).status).toBe(200)

      // quiet hours around now (in Shanghai time): nothing from the unmuted direct chat
      const minute = Number(
        new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
          .format(Date.now())
          .split(':')
          .reduce((h, m) => String(Number(h) * 60 + Number(m))),
      )
      const quiet = { quietStart: (minute + 1440 - 60) % 1440, quietEnd: (minute + 60) % 1440, timeZone: 'Asia/Shanghai' }
      expect((await bob.api.patch('/me/notification-settings', quiet)).status).toBe(200)
      await sendText(ann, conv, 'during quiet hours')
      await idle()
      expect(push.to(tablet.name)).toHaveLength(2)
      const bad = await bob.api.patch('/me/notification-settings', { timeZone: 'Mars/Olympus' })
      expect(bad.status).toBe(400)
      await bob.api.patch('/me/notification-settings', { quietStart: null, quietEnd: null, previews: true })
    })

    it('should wait while a socket is open and push only what it did not read', async () => {
      const cid = await createUser(t.url, 'pcid', { nickname: 'Cid' })
      await befriend(ann, cid)
      const direct = await directConversation(ann, cid)
      const watch = await subscribe(cid, 'watch')
      const socket = await TestSocket.open(t.wsUrl, { token: cid.token })
      try {
        const read = await sendText(ann, direct, 'seen on the open tab')
        await cid.api.post(`/conversations/${direct}/read`, { seq: read.seq })
        await sendText(ann, direct, 'left unread')
        await idle()
        expect(push.to(watch.name).map((p) => p.body)).toEqual(['left unread'])
      } finally {
        socket.close()
      }
    })

    it('should ring an offline callee with a push naming the caller, and not one whose app is open (it rings by itself)', async () => {
      const eve = await createUser(t.url, 'peve', { nickname: 'Eve' })
      await befriend(ann, eve)
      const direct = await directConversation(ann, eve)
      const pager = await subscribe(eve, 'pager')
      const caller = await TestSocket.open(t.wsUrl, { token: ann.token })
      try {
        const call = async (id: string) => {
          caller.send({ type: 'call.start', id, conversationId: direct, media: 'video' })
          const started = await caller.take((f) => f.replyTo === id, 'call.start answered')
          caller.send({ type: 'call.leave', id: `${id}-end`, callId: started.call.id })
          await caller.take((f) => f.replyTo === `${id}-end`, 'call.leave answered')
          await idle()
          return started.call.id as string
        }
        const first = await call('ring-offline')
        expect(push.to(pager.name)).toEqual([{ kind: 'call', tag: `call:${first}`, conversationId: direct, title: 'Ann', media: 'video' }])
        const open = await TestSocket.open(t.wsUrl, { token: eve.token })
        try {
          await call('ring-online')
          expect(push.to(pager.name)).toHaveLength(1)
        } finally {
          open.close()
        }
      } finally {
        caller.close()
      }
    })

    it('should delete a subscription whose endpoint answers 410, and the subscriptions of a session that logged out', async () => {
      const dan = await createUser(t.url, 'pdan', { nickname: 'Dan' })
      await befriend(ann, dan)
      const direct = await directConversation(ann, dan)
      const expired = await subscribe(dan, 'expired')
      push.gone.add(expired.name)
      const other = await login(t.url, dan.username)
      const loggedOut = await subscribe(other, 'logged-out')
      const kept = await subscribe(dan, 'kept')
      expect((await other.api.post('/auth/logout')).status).toBe(204)
      await sendText(ann, direct, 'first')
      await idle()
      await sendText(ann, direct, 'second')
      await idle()
      expect(push.hits.get(expired.name)).toBe(1)
      expect(push.hits.get(loggedOut.name)).toBeUndefined()
      expect(push.to(kept.name).map((p) => p.body)).toEqual(['first', 'second'])
    })

    it('should push a friend request, and never a message of a group the user left', async () => {
      const eve = await createUser(t.url, 'peve', { nickname: 'Eve' })
      const laptop = await subscribe(eve, 'laptop')
      await ann.api.sdk.sendFriendRequest({ userId: eve.id })
      await idle()
      expect(push.to(laptop.name)).toEqual([{ kind: 'friend_request', tag: `fr:${ann.id}`, title: 'Ann' }])

      const { group } = await createGroup(ann, { name: 'Open', joinPolicy: 'open' })
      expect((await eve.api.post(`/groups/${group.id}/join`)).status).toBeLessThan(300)
      expect((await eve.api.post(`/groups/${group.id}/leave`)).status).toBeLessThan(300)
      await sendText(ann, group.conversationId, 'after Eve left')
      await idle()
      expect(push.to(laptop.name)).toHaveLength(1)
    })

    it('should refuse endpoints and keys it cannot use', async () => {
      const device = push.device(`${dialect}-bad-${++n}`).subscription()
      const noUrl = await bob.api.post('/me/push-subscriptions', { ...device, endpoint: 'not a url' })
      expect(noUrl.status).toBe(400)
      expect(noUrl.body.error.code).toBe('push.endpoint_invalid')
      const badKey = await bob.api.post('/me/push-subscriptions', { ...device, keys: { ...device.keys, p256dh: 'AAAA' } })
      expect(badKey.status).toBe(400)
      expect((await bob.api.delete('/me/push-subscriptions/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404)
    })
  })
}
