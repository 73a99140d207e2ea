import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import {
  axeViolations,
  browserSuite,
  cutSockets,
  holdSockets,
  openChat,
  restoreSockets,
  seesOnce,
  sendMessage,
  shownMessages,
  submitSignIn,
  skipBrowserTests,
  until,
  type Watched,
} from './browser-harness.js'

/**
 * The web client's link to the server, as the SDK runs it in Chromium: sends over the socket,
 * over HTTP while the socket is down, kept while offline and sent once after reconnecting; and
 * edits made while away reach a conversation that had never been edited (resume by modSeq 0).
 */
describe.skipIf(skipBrowserTests)('web client in Chromium: the link (sends, offline, resume)', () => {
  const web = browserSuite({ app: { overrides: { 'messages.sendPerMinute': 100_000 } } })
  let dee: TestUser
  let eve: TestUser
  let conv = ''
  const pages: Array<Watched & { sends: ReturnType<typeof watchSends> }> = []

  /** What the page sends: message.send frames on its sockets and POSTs of messages. */
  const watchSends = (page: Page) => {
    const frames: any[] = []
    const posts: any[] = []
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        const frame = JSON.parse(String(f.payload))
        if (frame.type === 'message.send') frames.push(frame)
      }),
    )
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/conversations/${conv}/messages`)) posts.push(r.postDataJSON())
    })
    return { frames, posts }
  }

  /** Signs in with a handle on the page's sockets: `cutSockets` drops them and refuses new ones until `restoreSockets`. */
  const signIn = async (user: TestUser) => {
    const opened = await web.open()
    const w = { ...opened, sends: watchSends(opened.page) }
    pages.push(w)
    await holdSockets(w.context)
    await w.page.reload()
    await submitSignIn(w.page, user.username)
    await w.page.getByTestId('me-name').waitFor()
    return w
  }

  const send = sendMessage
  const sees = seesOnce

  const stored = async (text: string) => {
    const res = await dee.api.get(`/conversations/${conv}/messages?limit=100`)
    return res.body.items.filter((m: any) => m.content.text === text)
  }

  beforeAll(async () => {
    dee = await createUser(web.url, 'dee', { nickname: 'Dee' })
    eve = await createUser(web.url, 'eve', { nickname: 'Eve' })
    await befriend(dee, eve)
    conv = await directConversation(dee, eve)
  }, 180_000)

  it('should show an edit made while away in a conversation that had never been edited (resume with modSeq 0), without a reload', async () => {
    const b = await signIn(eve)
    await openChat(b.page, 'Dee')
    const draft = await sendText(dee, conv, 'meet at noon')
    await sees(b.page, 'meet at noon')
    expect((await dee.api.get(`/conversations/${conv}`)).body.modSeq).toBe(0)

    await cutSockets(b.page)
    const edit = await dee.api.patch(`/conversations/${conv}/messages/${draft.seq}`, { content: { text: 'meet at one' } })
    expect(edit.status).toBe(200)
    await restoreSockets(b.page)
    await sees(b.page, 'meet at one')
    await b.page.getByTestId('message').filter({ hasText: 'meet at one' }).getByText('edited').waitFor()
    expect((await shownMessages(b.page)).some((m) => m.text === 'meet at noon')).toBe(false)
  }, 90_000)

  it('should send over the socket (message.send, no HTTP) while it is up', async () => {
    const b = pages[0]!
    const sent = { frames: b.sends.frames.length, posts: b.sends.posts.length }
    await send(b.page, 'over the socket')
    await sees(b.page, 'over the socket')
    expect(b.sends.frames.slice(sent.frames).map((f) => f.content.text)).toEqual(['over the socket'])
    expect(b.sends.posts.length).toBe(sent.posts)
    expect(await stored('over the socket')).toHaveLength(1)
  }, 60_000)

  it('should send over HTTP while the socket is down, and the other side gets it live', async () => {
    const a = await signIn(dee)
    await openChat(a.page, 'Eve')
    const b = pages[0]!
    const before = b.sends.posts.length
    await cutSockets(b.page)
    // the connection banner is up: its text must be readable (AA contrast), like every main screen
    await b.page.getByTestId('connection-banner').waitFor()
    expect(await axeViolations(b.page)).toEqual([])
    await send(b.page, 'socket down, http up')
    await sees(b.page, 'socket down, http up')
    await sees(a.page, 'socket down, http up')
    expect(b.sends.posts.slice(before).map((p) => p.content.text)).toEqual(['socket down, http up'])
    expect(await stored('socket down, http up')).toHaveLength(1)
    await restoreSockets(b.page)
  }, 60_000)

  it('should keep a message typed offline as sending (not failed) and send it once after reconnecting', async () => {
    const [b, a] = [pages[0]!, pages[1]!]
    const failedPosts: string[] = []
    b.page.on('requestfailed', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/conversations/${conv}/messages`)) failedPosts.push(r.postDataJSON().clientMsgId)
    })
    await b.context.setOffline(true)
    await cutSockets(b.page)
    await send(b.page, 'typed offline')
    const pending = b.page.locator('[data-status]').filter({ hasText: 'typed offline' })
    // the outbox tried and the network refused: still waiting, not failed
    await until('two failed tries', () => failedPosts.length >= 2, 30_000)
    expect(await pending.getAttribute('data-status')).toBe('sending')
    expect(new Set(failedPosts).size).toBe(1)

    await b.context.setOffline(false)
    await restoreSockets(b.page)
    await sees(b.page, 'typed offline')
    await sees(a.page, 'typed offline')
    expect(await b.page.locator('[data-status]').count()).toBe(0)
    const kept = await stored('typed offline')
    expect(kept).toHaveLength(1)
    expect(kept[0].clientMsgId).toBe(failedPosts[0])
  }, 90_000)

  it('should keep a message typed offline across a reload and send it once after it', async () => {
    const [b, a] = [pages[0]!, pages[1]!]
    const sends = (url: URL) => url.pathname.endsWith(`/conversations/${conv}/messages`)
    const refused: string[] = []
    // the network refuses the sends (as offline would) while the page itself can still be loaded again
    await b.page.route(sends, (route) => {
      if (route.request().method() !== 'POST') return route.continue()
      refused.push(route.request().postDataJSON().clientMsgId)
      return route.abort('internetdisconnected')
    })
    await cutSockets(b.page)
    await send(b.page, 'typed before a reload')
    await until('a refused try', () => refused.length >= 1)
    const pending = b.page.locator('[data-status]').filter({ hasText: 'typed before a reload' })
    expect(await pending.getAttribute('data-status')).toBe('sending')

    await b.page.unroute(sends)
    await b.page.reload()
    await openChat(b.page, 'Dee')
    await sees(b.page, 'typed before a reload')
    await sees(a.page, 'typed before a reload')
    const kept = await stored('typed before a reload')
    expect(kept).toHaveLength(1)
    expect(kept[0].clientMsgId).toBe(refused[0])
    // sent: nothing is kept for the next visit
    const saved = await b.page.evaluate(() =>
      Object.keys((globalThis as any).localStorage as object).filter((k) => k.startsWith('jim.outbox.')),
    )
    expect(saved).toEqual([])
  }, 90_000)

  it('should keep a friend request that arrived live while the list was being read again (the older answer does not take it back)', async () => {
    const hal = await createUser(web.url, 'hal', { nickname: 'Hal' })
    const ivy = await createUser(web.url, 'ivy', { nickname: 'Ivy' })
    const w = await signIn(ivy)
    await w.page.getByRole('tab', { name: /^Friends/ }).waitFor()
    await cutSockets(w.page)
    // the read of incoming requests after the reconnect is answered before Hal's request, delivered after it
    let sent!: () => void
    const requestSent = new Promise<void>((resolve) => (sent = resolve))
    let readBefore!: () => void
    const staleReadDone = new Promise<void>((resolve) => (readBefore = resolve))
    let incomingReads = 0
    await w.page.route(/\/friend-requests\?.*box=incoming/, async (route) => {
      if (++incomingReads > 1) return route.continue()
      const response = await route.fetch()
      readBefore()
      await requestSent
      await route.fulfill({ response })
    })
    await restoreSockets(w.page)
    await staleReadDone
    await hal.api.sdk.sendFriendRequest({ userId: ivy.id, note: 'Hal here' })
    await w.page.getByRole('tab', { name: /^Friends.*1 new/ }).waitFor()
    sent()
    // the older answer is dropped and the list read again: the request stays
    await until('the list read again', async () => incomingReads >= 2)
    await w.page.getByRole('tab', { name: /^Friends.*1 new/ }).click()
    await w.page.getByText('Hal here').waitFor()
  }, 60_000)

  it('should show a friend request sent after the lists were read but before the socket was up', async () => {
    const jo = await createUser(web.url, 'jo', { nickname: 'Jo' })
    const kim = await createUser(web.url, 'kim', { nickname: 'Kim' })
    const opened = await web.open()
    pages.push({ ...opened, sends: watchSends(opened.page) })
    await holdSockets(opened.context)
    await opened.context.addInitScript(() => ((globalThis as any).blockSockets = true))
    await opened.page.reload()
    await submitSignIn(opened.page, kim.username)
    await opened.page.getByTestId('connection-banner').waitFor()
    await jo.api.sdk.sendFriendRequest({ userId: kim.id, note: 'Jo was early' })
    await restoreSockets(opened.page)
    await opened.page.getByRole('tab', { name: /^Friends.*1 new/ }).click()
    await opened.page.getByText('Jo was early').waitFor()
  }, 60_000)
})

/** The message menu follows the server's windows (`GET /config`, `ready`), not numbers built into the client. */
describe.skipIf(skipBrowserTests)('web client in Chromium: the server’s edit and recall windows', () => {
  const web = browserSuite({ app: { overrides: { 'messages.editWindowSeconds': 0, 'messages.recallWindowSeconds': 3600 } } })

  it('should offer recall but not edit when the server allows no edits', async () => {
    const fay = await createUser(web.url, 'fay', { nickname: 'Fay' })
    const gus = await createUser(web.url, 'gus', { nickname: 'Gus' })
    await befriend(fay, gus)
    const conv = await directConversation(fay, gus)
    await sendText(fay, conv, 'no edits here')
    const w = await web.signIn(fay)
    await w.page.getByRole('button', { name: /^Open Gus/ }).click()
    const bubble = w.page.getByTestId('message').filter({ hasText: 'no edits here' })
    await bubble.hover()
    await bubble.getByRole('button', { name: 'Message options' }).click()
    await w.page.getByRole('menuitem', { name: 'Recall' }).waitFor()
    expect(await w.page.getByRole('menuitem', { name: 'Edit' }).count()).toBe(0)
  }, 60_000)
})
