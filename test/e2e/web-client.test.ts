import { copyFileSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, login, STRONG_PASSWORD, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation } from '../helpers/social.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import {
  browserSuite,
  cutSockets,
  ensureWebBuilt,
  expectCleanPages,
  expectText,
  hasChromium,
  holdSockets,
  launchChromium,
  openChat,
  openPage,
  restoreSockets,
  screenshot,
  seesOnce,
  sendMessage,
  shownMessages,
  skipBrowserTests,
  until,
  WEB_ROOT,
  type Watched,
  submitSignIn,
} from './browser-harness.js'

if (!hasChromium) {
  console.warn(
    '\n!!! /usr/bin/chromium is missing: the browser tests of the web client are SKIPPED. Install it: apt-get install -y chromium !!!\n',
  )
}

describe('web client in Chromium: the browser', () => {
  it('should find Chromium at /usr/bin/chromium (required when CI=true; elsewhere the suites below skip loudly)', () => {
    if (process.env.CI === 'true') expect(hasChromium, 'CI must install Debian chromium for the browser tests').toBe(true)
    else expect(typeof hasChromium).toBe('boolean')
  })
})

/**
 * The built web client, served by a real JIM server, driven in Debian's Chromium: people
 * register, befriend each other and chat live in separate browser contexts; a group of three;
 * a server restart with no lost or doubled message; XSS stays text; Chinese renders.
 */
describe.skipIf(skipBrowserTests)('web client in Chromium: captcha', () => {
  const web = browserSuite({ app: { overrides: { 'captcha.mode': 'always' } } })

  beforeAll(() => {
    web.t.app.security.captcha.useGenerator(() => ({
      text: 'JIM42',
      svg: '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="10" y="28" font-size="24">JIM42</text></svg>',
    }))
  })

  it('should show the captcha the server asks for and register with its answer', async () => {
    const w = await web.open()
    const { page } = w
    await page.getByRole('tab', { name: 'Create account' }).click()
    await page.getByLabel('Username').fill(`cap${Date.now().toString(36).slice(-6)}`)
    await page.getByLabel('Password').fill(STRONG_PASSWORD)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('img', { name: 'Captcha challenge' }).waitFor()
    await page.getByRole('alert').filter({ hasText: 'Please solve the captcha.' }).waitFor()
    // a wrong answer gets a fresh challenge
    await page.getByRole('textbox', { name: 'Captcha answer' }).fill('nope')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('alert').filter({ hasText: 'The captcha answer was wrong' }).waitFor()
    await page.getByRole('textbox', { name: 'Captcha answer' }).fill('jim42')
    await page.getByRole('button', { name: 'Create account' }).click()
    // registered; signing in needs a captcha too in `always` mode
    await page.getByRole('alert').filter({ hasText: 'Please solve the captcha.' }).waitFor()
    await page.getByRole('textbox', { name: 'Captcha answer' }).fill('jim42')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByTestId('me-name').waitFor()
    expect(w.errors).toEqual([])
    await w.context.close()
  }, 60_000)
})

describe.skipIf(skipBrowserTests)('web client in Chromium', () => {
  const suffix = Date.now().toString(36).slice(-4)
  const names = { alice: `alice${suffix}`, bob: `bob${suffix}`, carol: `carol${suffix}` }
  let database: TestDatabase
  let t: TestApp
  let port: number
  let browser: Browser
  let alice: Watched
  let bob: Watched
  let carol: Watched
  const pages: Watched[] = []
  let directId = ''
  const options = () => ({ database, webRoot: WEB_ROOT, overrides: { 'messages.sendPerMinute': 100_000 } })

  const open = async (opts: Parameters<typeof openPage>[2] = {}) => {
    const w = await openPage(browser, t.url, opts)
    pages.push(w)
    return w
  }

  const register = async (page: Page, username: string, nickname: string) => {
    await page.getByRole('tab', { name: 'Create account' }).click()
    await page.getByLabel('Username').fill(username)
    await page.getByLabel('Display name (optional)').fill(nickname)
    await page.getByLabel('Password').fill(STRONG_PASSWORD)
    await page.getByRole('button', { name: 'Create account' }).click()
    await expectText(page.getByTestId('me-name'), nickname)
  }

  const apiUser = (username: string): Promise<TestUser> => login(t.url, username)

  const openChatFromList = openChat
  const send = sendMessage
  const seesMessage = seesOnce

  beforeAll(async () => {
    ensureWebBuilt()
    database = createTestDatabase('sqlite')
    t = await startTestApp(options())
    port = Number(new URL(t.url).port)
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    expectCleanPages(pages)
    await browser?.close()
    await t?.close()
    await database?.cleanup()
  })

  it('should serve the app shell at / and client routes, with a CSP', async () => {
    const res = await fetch(`${t.url}/some/client/route`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<div id="root">')
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
  })

  it('should register two people who befriend each other through the UI and chat live', async () => {
    alice = await open()
    bob = await open()
    // a browser new to the app opens on "Create account"
    await alice.page.getByRole('tab', { name: 'Create account', selected: true }).waitFor()
    await screenshot(alice.page, 'en-login')

    // weak password: the server's reason is shown
    await alice.page.getByRole('tab', { name: 'Create account' }).click()
    await alice.page.getByLabel('Username').fill(names.alice)
    await alice.page.getByLabel('Password').fill('password')
    await alice.page.getByRole('button', { name: 'Create account' }).click()
    await alice.page.getByRole('meter', { name: 'Strength' }).waitFor()
    await alice.page.getByRole('alert').filter({ hasText: 'That password is too weak.' }).waitFor()
    await alice.page.getByRole('tab', { name: 'Sign in' }).click()

    await register(alice.page, names.alice, 'Alice')
    await register(bob.page, names.bob, 'Bob')

    // the world channel is listed and pinned first
    await alice.page.getByRole('button', { name: /^Open World/ }).waitFor()

    // Alice finds Bob and sends a request with a note and a greeting
    await alice.page.getByRole('tab', { name: /^Friends/ }).click()
    await alice.page.getByRole('searchbox', { name: 'Find people' }).fill(names.bob)
    await alice.page.getByRole('button', { name: 'Search', exact: true }).click()
    await alice.page.getByRole('button', { name: 'Add Bob as a friend' }).click()
    await alice.page.getByLabel('Note to them').fill('It is Alice from the e2e test')
    await alice.page.getByLabel('First message (sent when they accept)').fill('Hello Bob!')
    await alice.page.getByRole('button', { name: 'Send request' }).click()
    await alice.page.getByText('Waiting for an answer').waitFor()

    // Bob sees it live (badge on the Friends tab) and accepts
    await bob.page.getByRole('tab', { name: /^Friends.*1 new/ }).click()
    await bob.page.getByText('It is Alice from the e2e test').waitFor()
    await bob.page.getByRole('button', { name: 'Accept the request from Alice' }).click()
    await bob.page.getByRole('button', { name: 'Message Alice' }).waitFor()
    await alice.page.getByRole('button', { name: 'Message Bob' }).waitFor()
    // presence: Alice sees Bob online in her friend list
    await alice.page.getByTestId('friend-row').getByText('Online').waitFor()

    // the greeting arrived as the first direct message, unread for Bob
    await bob.page.getByRole('tab', { name: /^Chats/ }).click()
    const bobItem = bob.page.getByRole('button', { name: /^Open Alice, 1 unread/ })
    await bobItem.waitFor()
    await expectText(bob.page.getByTestId('conversation-item').filter({ hasText: 'Alice' }).locator('.conv-preview'), 'Hello Bob!')

    // Alice opens the chat from her friend list and writes; Bob gets it live
    await alice.page.getByRole('button', { name: 'Message Bob' }).click()
    await expectText(alice.page.getByTestId('chat-title'), 'Bob')
    directId = (await alice.page.getByTestId('conversation-item').filter({ hasText: 'Bob' }).getAttribute('data-conversation-id')) ?? ''
    expect(directId).not.toBe('')
    await seesMessage(alice.page, 'Hello Bob!')
    await send(alice.page, 'Hi Bob 👋 how are you?')
    await seesMessage(alice.page, 'Hi Bob 👋 how are you?')
    await bob.page.getByRole('button', { name: /^Open Alice, 2 unread/ }).waitFor()
    await openChatFromList(bob.page, 'Alice')
    await seesMessage(bob.page, 'Hi Bob 👋 how are you?')
    // opening it marked it read: the badge is gone
    await until('no unread badge', async () => (await bob.page.getByTestId('unread-badge').count()) === 0)
    // ...and Alice sees her message as read
    await alice.page.locator('[data-testid="message"][data-seq="2"] [aria-label="Read"]').waitFor()

    // Bob answers with a reply-to, Shift+Enter makes a second line
    await bob.page.getByTestId('message').filter({ hasText: 'Hi Bob 👋' }).hover()
    await bob.page.getByTestId('message').filter({ hasText: 'Hi Bob 👋' }).getByRole('button', { name: 'Reply' }).click()
    const input = bob.page.getByRole('textbox', { name: 'Message' })
    await input.pressSequentially('Great,')
    await input.press('Shift+Enter')
    await input.pressSequentially('thanks!')
    await bob.page.getByRole('button', { name: 'Emoji' }).click()
    await bob.page.getByRole('dialog', { name: 'Emoji' }).getByRole('button', { name: '🎉' }).click()
    await input.press('Enter')
    await seesMessage(alice.page, 'Great,\nthanks!🎉')
    const answer = alice.page.getByTestId('message').filter({ hasText: 'thanks!' })
    await expectText(answer.locator('.reply-quote'), /Alice.*Hi Bob 👋/)

    // day separator
    await alice.page.getByRole('separator').filter({ hasText: 'Today' }).first().waitFor()
    await screenshot(alice.page, 'en-chat')
    await alice.page.getByRole('tab', { name: /^Friends/ }).click()
    await screenshot(alice.page, 'en-friends')
    await alice.page.getByRole('tab', { name: /^Chats/ }).click()
  }, 120_000)

  it('should show markup in a message as text and never run it', async () => {
    const payload = '<img src=x onerror=alert(1)>'
    await send(alice.page, payload)
    await seesMessage(bob.page, payload)
    await seesMessage(alice.page, payload)
    for (const w of [alice, bob]) {
      expect(await w.page.locator('[data-testid="message-list"] img').count()).toBe(0)
      expect(w.dialogs).toEqual([])
    }
    await expectText(bob.page.getByTestId('conversation-item').filter({ hasText: 'Alice' }).locator('.conv-preview'), payload)
  })

  it('should page older history in as the user scrolls up', async () => {
    const a = await apiUser(names.alice)
    for (let i = 1; i <= 70; i++) {
      const res = await a.api.post(`/conversations/${directId}/messages`, {
        clientMsgId: `seed-${i}`,
        type: 'text',
        content: { text: `seed ${i}` },
      })
      expect(res.status).toBe(201)
    }
    // a fresh load shows only the latest page
    await bob.page.reload()
    await openChatFromList(bob.page, 'Alice')
    await seesMessage(bob.page, 'seed 70')
    const list = bob.page.getByTestId('message-list')
    await until('history paged up to the first message', async () => {
      await list.evaluate((el) => (el.scrollTop = 0))
      return (await bob.page.getByText('This is the beginning of the conversation.').count()) > 0
    })
    const shown = await shownMessages(bob.page)
    const seqs = shown.map((m) => m.seq)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
    expect(shown[0]!.text).toBe('Hello Bob!')
    expect(shown.filter((m) => m.text === 'seed 1')).toHaveLength(1)
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight))
  }, 60_000)

  it('should run a group of three: create, find and join, invitations, mentions, members with roles, leave', async () => {
    carol = await open()
    await register(carol.page, names.carol, 'Carol')
    const groupName = `Trio ${suffix}`

    // Alice creates an open group with her friend Bob
    await alice.page.getByRole('tab', { name: /^Groups/ }).click()
    await alice.page.getByRole('button', { name: 'New group' }).click()
    await alice.page.getByLabel('Group name').fill(groupName)
    await alice.page.getByRole('checkbox', { name: 'Bob' }).check()
    await alice.page.getByRole('button', { name: 'Create', exact: true }).click()
    await expectText(alice.page.getByTestId('chat-title'), groupName)

    // Bob was added at once; Carol finds the group and joins
    await bob.page.getByRole('button', { name: new RegExp(`^Open ${groupName}`) }).waitFor()
    await carol.page.getByRole('tab', { name: /^Groups/ }).click()
    await carol.page.getByRole('searchbox', { name: 'Find groups' }).fill(groupName)
    await carol.page.getByRole('button', { name: 'Search', exact: true }).click()
    await carol.page.getByTestId('group-result').getByRole('button', { name: 'Join' }).click()
    await expectText(carol.page.getByTestId('chat-title'), groupName)

    // everyone writes, everyone reads
    await send(carol.page, 'Hi all, Carol here')
    await openChatFromList(bob.page, groupName)
    await seesMessage(bob.page, 'Hi all, Carol here')
    await seesMessage(alice.page, 'Hi all, Carol here')
    await send(alice.page, 'Welcome Carol!')
    await seesMessage(carol.page, 'Welcome Carol!')
    await seesMessage(bob.page, 'Welcome Carol!')

    // Bob mentions Alice with completion
    const input = bob.page.getByRole('textbox', { name: 'Message' })
    await input.pressSequentially('@Ali')
    await bob.page.getByRole('option', { name: /Alice/ }).waitFor()
    await input.press('Enter')
    // under load the completion can lag the key press: type on only once it is in the box
    await until('the mention to be completed', async () => (await input.inputValue()).startsWith('@Alice'))
    await input.pressSequentially('look at this')
    await until('the text to be typed', async () => (await input.inputValue()).endsWith('look at this'))
    await input.press('Enter')
    await seesMessage(alice.page, '@Alice look at this')
    await alice.page.locator('.msg.mentions-me').filter({ hasText: 'look at this' }).waitFor()
    expect(await carol.page.locator('.msg.mentions-me').count()).toBe(0)
    await seesMessage(carol.page, '@Alice look at this')

    // members with roles
    await alice.page.getByRole('button', { name: 'Group details' }).click()
    await until('three members', async () => (await alice.page.getByTestId('member-row').count()) === 3)
    await alice.page.getByTestId('member-row').filter({ hasText: 'Alice' }).getByText('Owner').waitFor()
    await screenshot(alice.page, 'en-group-chat')
    await alice.page.getByRole('button', { name: 'Group details' }).click()

    // an invitation (Carol is not Bob's friend) accepted in the UI
    const b = await apiUser(names.bob)
    const created = await b.api.post('/groups', { name: `Book club ${suffix}`, joinPolicy: 'invite' })
    expect(created.status).toBe(201)
    const c = await apiUser(names.carol)
    const invited = await b.api.post(`/groups/${created.body.group.id}/members`, { userIds: [c.id] })
    expect(invited.body.invited).toHaveLength(1)
    await carol.page.getByRole('tab', { name: /^Groups/ }).click()
    await carol.page
      .getByTestId('group-invitation')
      .filter({ hasText: `Book club ${suffix}` })
      .getByRole('button', { name: 'Join' })
      .click()
    await carol.page
      .getByTestId('group-row')
      .filter({ hasText: `Book club ${suffix}` })
      .waitFor()
    await screenshot(carol.page, 'en-groups')

    // Carol leaves the trio
    await openChatFromList(carol.page, groupName)
    await carol.page.getByRole('button', { name: 'Group details' }).click()
    await carol.page.getByRole('button', { name: 'Leave group' }).click()
    await carol.page.getByRole('button', { name: 'Yes' }).click()
    await until(
      'the trio gone from Carol’s list',
      async () => (await carol.page.getByRole('button', { name: new RegExp(`^Open ${groupName}`) }).count()) === 0,
    )
    await alice.page.getByRole('button', { name: 'Group details' }).click()
    await until('two members left', async () => (await alice.page.getByTestId('member-row').count()) === 2)
    await alice.page.getByRole('button', { name: 'Group details' }).click()
  }, 120_000)

  it('should pin and mute conversations, and notify of messages while the tab is hidden except when muted', async () => {
    const groupName = `Trio ${suffix}`
    const order = () => alice.page.getByTestId('conversation-item').locator('.conv-title').allTextContents()
    await alice.page.getByRole('tab', { name: /^Chats/ }).click()
    // pin the direct chat with Bob: right after the world channel, before the newer group
    await until('Trio listed before Bob', async () => (await order()).join('|') === `World|${groupName}|Bob`)
    const bobItem = alice.page.getByTestId('conversation-item').filter({ hasText: 'Bob' })
    await bobItem.hover()
    await bobItem.getByRole('button', { name: 'Conversation options' }).click()
    await alice.page.getByRole('menuitem', { name: 'Pin' }).click()
    await until('Bob pinned first', async () => (await order()).join('|') === `World|Bob|${groupName}`)

    // the tab goes to the background; notifications are allowed
    await openChatFromList(alice.page, 'Bob')
    await openChatFromList(bob.page, 'Alice')
    // (in-page code goes through `globalThis as any`: the test project has no DOM types)
    await alice.page.evaluate(() => {
      const w = globalThis as any
      w.notes = []
      class FakeNotification {
        static permission = 'granted'
        onclick: unknown = null
        constructor(title: string, options: { body: string }) {
          w.notes.push({ title, body: options.body })
        }
      }
      Object.defineProperty(w, 'Notification', { configurable: true, value: FakeNotification })
      Object.defineProperty(w.document, 'hidden', { configurable: true, get: () => true })
    })
    const notes = () => alice.page.evaluate((): Array<{ title: string; body: string }> => (globalThis as any).notes)
    await send(bob.page, 'ping while hidden')
    await until('a notification', async () => (await notes()).length === 1)
    expect(await notes()).toEqual([{ title: 'Bob', body: 'ping while hidden' }])
    await alice.page.getByRole('button', { name: /^Open Bob, 1 unread/ }).waitFor()

    // muted: no notification, a grey badge, a mute mark
    await alice.page.getByRole('button', { name: 'Mute', exact: true }).click()
    await alice.page.getByRole('button', { name: 'Unmute', exact: true }).waitFor()
    await send(bob.page, 'muted ping')
    await alice.page.getByRole('button', { name: /^Open Bob, 2 unread/ }).waitFor()
    expect(await notes()).toHaveLength(1)
    await alice.page.locator('.badge.muted-badge').waitFor()

    // back in front: read, unmuted
    await alice.page.evaluate(() => {
      const w = globalThis as any
      delete w.document.hidden
      w.document.dispatchEvent(new w.Event('visibilitychange'))
    })
    await until('read again', async () => (await alice.page.getByTestId('unread-badge').count()) === 0)
    await alice.page.getByRole('button', { name: 'Unmute', exact: true }).click()
    await alice.page.getByRole('button', { name: 'Mute', exact: true }).waitFor()
  }, 60_000)

  it('should survive a server restart with no lost or doubled message', async () => {
    await openChatFromList(alice.page, 'Bob')
    await openChatFromList(bob.page, 'Alice')
    await send(bob.page, 'before restart')
    await seesMessage(alice.page, 'before restart')

    await t.close()
    await alice.page.getByTestId('connection-banner').waitFor()
    await bob.page.getByTestId('connection-banner').waitFor()
    // sent while the server is down: it waits in the outbox (pending, not failed)
    await send(bob.page, 'sent while down')
    await bob.page.locator('[data-status="sending"]').filter({ hasText: 'sent while down' }).waitFor()

    t = await startTestApp({ ...options(), port })
    // written by someone else before the browsers are back: resume must bring these
    const a2 = await apiUser(names.alice)
    for (let i = 1; i <= 5; i++) {
      await a2.api.post(`/conversations/${directId}/messages`, {
        clientMsgId: `away-${i}`,
        type: 'text',
        content: { text: `while away ${i}` },
      })
    }
    await until('Alice reconnected', async () => (await alice.page.getByTestId('connection-banner').count()) === 0, 30_000)
    await until('Bob reconnected', async () => (await bob.page.getByTestId('connection-banner').count()) === 0, 30_000)
    // the waiting send goes out with the same clientMsgId once the link is back
    await seesMessage(alice.page, 'sent while down')
    await send(alice.page, 'after restart')
    for (const w of [alice, bob]) {
      for (let i = 1; i <= 5; i++) await seesMessage(w.page, `while away ${i}`)
      await seesMessage(w.page, 'after restart')
      await seesMessage(w.page, 'sent while down')
    }
    expect(await bob.page.locator('[data-status]').count()).toBe(0)

    // every seq once, in order, with no hole, on both sides, and the same after a reload
    const check = async (page: Page) => {
      const seqs = (await shownMessages(page)).map((m) => m.seq)
      expect(new Set(seqs).size).toBe(seqs.length)
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
      expect(seqs[seqs.length - 1]! - seqs[0]! + 1).toBe(seqs.length)
      return seqs[seqs.length - 1]
    }
    const last = await check(alice.page)
    expect(await check(bob.page)).toBe(last)
    const stored = await a2.api.get(`/conversations/${directId}/messages?limit=1`)
    expect(stored.body.items[0].seq).toBe(last)
    expect(stored.body.items[0].content.text).toBe('after restart')
    const all = await a2.api.get(`/conversations/${directId}/messages?limit=200`)
    expect(all.body.items.filter((m: any) => m.content.text === 'sent while down')).toHaveLength(1)

    await bob.page.reload()
    await openChatFromList(bob.page, 'Alice')
    await seesMessage(bob.page, 'after restart')
    await check(bob.page)
  }, 120_000)

  it('should go back to the sign-in screen when the session is revoked elsewhere, and sign out', async () => {
    const c = await apiUser(names.carol)
    const res = await c.api.delete('/me/sessions?others=true')
    expect(res.status).toBe(200)
    await carol.page.getByRole('button', { name: 'Sign in' }).waitFor()
    await carol.page.getByText('You were signed out. Please sign in again.').waitFor()
    const storedToken = (page: Page) => page.evaluate((): string | null => (globalThis as any).localStorage.getItem('jim.token'))
    expect(await storedToken(carol.page)).toBeNull()

    // signing out revokes the token on the server too
    const bobToken = await storedToken(bob.page)
    expect(bobToken).toBeTruthy()
    expect((await new ApiClient(t.url, bobToken).get('/me')).status).toBe(200)
    await bob.page.getByRole('button', { name: 'Sign out' }).click()
    await bob.page.getByRole('button', { name: 'Sign in' }).waitFor()
    expect(await storedToken(bob.page)).toBeNull()
    expect((await new ApiClient(t.url, bobToken).get('/me')).status).toBe(401)
  })

  it('should render in Chinese for a zh-CN browser', async () => {
    const zh = await open({ locale: 'zh-CN' })
    await zh.page.getByRole('tab', { name: '注册', selected: true }).waitFor()
    expect(await zh.page.evaluate((): string => (globalThis as any).document.documentElement.lang)).toBe('zh-CN')
    await screenshot(zh.page, 'zh-CN-login')
    await submitSignIn(zh.page, names.alice)
    await zh.page.getByRole('tab', { name: /^聊天/ }).waitFor()
    await zh.page.getByRole('button', { name: /^打开 世界频道/ }).waitFor()
    await openChatFromList(zh.page, 'Bob')
    await seesMessage(zh.page, 'after restart')
    await zh.page.getByRole('separator').filter({ hasText: '今天' }).first().waitFor()
    await zh.page.getByRole('textbox', { name: '消息' }).waitFor()
    // the group chat: system lines in Chinese too
    await openChatFromList(zh.page, `Trio ${suffix}`)
    const zhList = zh.page.getByTestId('message-list')
    await zhList.getByText(`Alice 创建了群组 Trio ${suffix}`).waitFor()
    await zhList.getByText('Carol 退出了群组').waitFor()
    await screenshot(zh.page, 'zh-CN-chat')
    await zh.page.getByRole('tab', { name: /^好友/ }).click()
    await zh.page
      .getByTestId('friend-row')
      .getByText(/在线|离线/)
      .first()
      .waitFor()
    await screenshot(zh.page, 'zh-CN-friends')
    await zh.page.getByRole('tab', { name: /^群组/ }).click()
    await zh.page.getByRole('button', { name: '新建群组' }).waitFor()
    await screenshot(zh.page, 'zh-CN-groups')

    // switching the language at run time
    await zh.page.getByRole('combobox', { name: '语言' }).first().selectOption('en')
    await zh.page.getByRole('tab', { name: /^Groups/ }).waitFor()
    await zh.page.getByRole('combobox', { name: 'Language' }).first().selectOption('zh-CN')
  }, 60_000)

  it('should show one pane at a time on a phone-sized screen', async () => {
    const phone = await open({ viewport: { width: 390, height: 760 } })
    await submitSignIn(phone.page, names.alice)
    await phone.page.getByRole('button', { name: /^Open Bob/ }).waitFor()
    await screenshot(phone.page, 'phone-en-list')
    await phone.page.getByRole('button', { name: /^Open Bob/ }).click()
    await expectText(phone.page.getByTestId('chat-title'), 'Bob')
    expect(await phone.page.getByRole('complementary', { name: 'Conversations, friends and groups' }).count()).toBe(0)
    await seesMessage(phone.page, 'after restart')
    await screenshot(phone.page, 'phone-en-chat')
    await phone.page.getByRole('button', { name: 'Back' }).click()
    await phone.page.getByRole('button', { name: /^Open Bob/ }).waitFor()
  }, 60_000)

  it('should keep a remark, remove a friend, block and unblock', async () => {
    const { page } = alice
    await openChatFromList(page, 'Bob')
    await page.getByRole('button', { name: 'Contact details' }).click()
    await page.getByLabel('Remark (only you see it)').fill('Bobby')
    await page.getByRole('button', { name: 'Save' }).click()
    await expectText(page.getByTestId('chat-title'), 'Bobby')
    await page.getByRole('tab', { name: /^Friends/ }).click()
    await page.getByRole('button', { name: 'Message Bobby' }).waitFor()
    await page.getByRole('tab', { name: /^Chats/ }).click()

    await page.getByRole('button', { name: 'Block' }).click()
    await page.getByRole('button', { name: 'Yes' }).click()
    await page.getByRole('tab', { name: /^Friends/ }).click()
    await page.getByRole('heading', { name: 'Blocked' }).waitFor()
    await until('Bob no longer a friend', async () => (await page.getByTestId('friend-row').count()) === 0)
    // a blocked person cannot be messaged
    const b = await apiUser(names.bob)
    const refused = await b.api.post(`/conversations/${directId}/messages`, {
      clientMsgId: 'blocked-1',
      type: 'text',
      content: { text: 'hello?' },
    })
    expect(refused.status).toBe(422)
    await page.getByRole('tabpanel', { name: 'Friends' }).getByRole('button', { name: 'Unblock' }).click()
    await until('block lifted', async () => (await page.getByRole('heading', { name: 'Blocked' }).count()) === 0)

    // friends again (by the API), then removed in the UI
    const again = await b.api.post('/friend-requests', { userId: (await apiUser(names.alice)).id })
    expect(again.status).toBe(201)
    await page.getByRole('button', { name: 'Accept the request from Bob' }).click()
    await page.getByRole('button', { name: 'Message Bob' }).click()
    // the details drawer is still open from before
    expect(await page.getByRole('button', { name: 'Contact details' }).getAttribute('aria-expanded')).toBe('true')
    await page.getByRole('button', { name: 'Remove friend' }).click()
    await page.getByRole('button', { name: 'Yes' }).click()
    await page.getByText('You are not friends.').waitFor()
    await page.getByRole('tab', { name: /^Friends/ }).click()
    await until('no friends', async () => (await page.getByTestId('friend-row').count()) === 0)
  }, 60_000)

  afterAll(() => {
    // the two README pictures, refreshed only when asked (they are committed)
    if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
      mkdirSync(new URL('../../docs/screenshots', import.meta.url), { recursive: true })
      copyFileSync(
        new URL('../../screenshots/en-chat.png', import.meta.url),
        new URL('../../docs/screenshots/chat-en.png', import.meta.url),
      )
      copyFileSync(
        new URL('../../screenshots/zh-CN-chat.png', import.meta.url),
        new URL('../../docs/screenshots/chat-zh-CN.png', import.meta.url),
      )
    }
  })
})

/**
 * Message features on one server: edits and recalls seen live and after being away, read
 * receipts and typing in a group, an admin muting a member.
 */
describe.skipIf(skipBrowserTests)('web client in Chromium: message features', () => {
  const web = browserSuite({ app: { overrides: { 'messages.sendPerMinute': 100_000 } } })
  let ann: TestUser
  let ben: TestUser
  let cid: TestUser
  let groupId = ''
  const groupName = 'Edit club'
  const signIn = web.signIn

  const send = sendMessage
  const sees = seesOnce

  const bubble = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text })

  const menuAction = async (page: Page, text: string, action: RegExp) => {
    await bubble(page, text).hover()
    await bubble(page, text)
      .getByRole('button', { name: /^(Message options|消息选项)$/ })
      .click()
    await page.getByRole('menuitem', { name: action }).click()
    // a recall asks once more
    if (action.test('Recall')) await page.getByRole('menuitem', { name: 'Yes, recall' }).click()
  }

  beforeAll(async () => {
    ann = await createUser(web.url, 'ann', { nickname: 'Ann' })
    ben = await createUser(web.url, 'ben', { nickname: 'Ben' })
    cid = await createUser(web.url, 'cid', { nickname: 'Cid' })
    await befriend(ann, ben)
    await befriend(ann, cid)
    await directConversation(ann, ben)
    const created = await ann.api.post('/groups', { name: groupName, memberIds: [ben.id, cid.id] })
    expect(created.status).toBe(201)
    groupId = created.body.group.id
  }, 180_000)

  afterAll(async () => {
    if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
      mkdirSync(new URL('../../docs/screenshots', import.meta.url), { recursive: true })
      copyFileSync(
        new URL('../../screenshots/en-settings.png', import.meta.url),
        new URL('../../docs/screenshots/settings-en.png', import.meta.url),
      )
    }
  })

  it('should show an edit and a recall on the other side, live and after being away', async () => {
    const a = await signIn(ann)
    const b = await signIn(ben)
    // a handle on Ben's sockets, to drop them (and refuse new ones) while Ann changes messages
    await holdSockets(b.context)
    await b.page.reload()
    await b.page.getByTestId('me-name').waitFor()
    await openChat(a.page, 'Ben')
    await openChat(b.page, 'Ann')
    await send(a.page, 'see you at 5')
    await sees(b.page, 'see you at 5')

    await menuAction(a.page, 'see you at 5', /^Edit$/)
    const editor = a.page.getByRole('textbox', { name: 'Edit message' })
    await editor.fill('see you at 6')
    await editor.press('Enter')
    await sees(a.page, 'see you at 6')
    await sees(b.page, 'see you at 6')
    await bubble(b.page, 'see you at 6').getByText('edited').waitFor()

    await send(a.page, 'wrong chat, sorry')
    await sees(b.page, 'wrong chat, sorry')
    await menuAction(a.page, 'wrong chat, sorry', /^Recall$/)
    await sees(b.page, 'Message recalled')
    await sees(a.page, 'Message recalled')
    expect((await shownMessages(b.page)).some((m) => m.text === 'wrong chat, sorry')).toBe(false)
    // someone else's message has no edit or recall in a direct chat (its menu reacts, forwards, deletes for me)
    await bubble(b.page, 'see you at 6').hover()
    await bubble(b.page, 'see you at 6').getByRole('button', { name: 'Message options' }).click()
    await b.page.getByRole('menuitem', { name: 'Delete for me' }).waitFor()
    expect(await b.page.getByRole('menuitem', { name: /^(Edit|Recall)$/ }).count()).toBe(0)
    await b.page.keyboard.press('Escape')

    // Ben's socket drops; Ann edits and recalls meanwhile; resume {seq, modSeq} brings both
    await send(a.page, 'first draft')
    await sees(b.page, 'first draft')
    await send(a.page, 'to be recalled')
    await sees(b.page, 'to be recalled')
    await cutSockets(b.page)
    const stored = await ann.api.get(`/conversations/${await directConversation(ann, ben)}/messages?limit=2`)
    const [draft, doomed] = stored.body.items
    expect(
      (await ann.api.patch(`/conversations/${draft.conversationId}/messages/${draft.seq}`, { content: { text: 'final draft' } })).status,
    ).toBe(200)
    expect((await ann.api.delete(`/conversations/${doomed.conversationId}/messages/${doomed.seq}`)).status).toBe(200)
    await restoreSockets(b.page)
    await sees(b.page, 'final draft')
    await until('two recalled', async () => (await shownMessages(b.page)).filter((m) => m.text === 'Message recalled').length === 2)
    await screenshot(b.page, 'en-edit-recall')
  }, 90_000)

  it('should show who read a message in a group and who is typing', async () => {
    const [a, b] = web.pages as [Watched, Watched]
    await openChat(a.page, groupName)
    await send(a.page, 'agenda for Friday')
    await sees(a.page, 'agenda for Friday')
    await openChat(b.page, groupName)
    await sees(b.page, 'agenda for Friday')
    await expectText(bubble(a.page, 'agenda for Friday').getByTestId('read-by'), 'Read by 1')
    await bubble(a.page, 'agenda for Friday').getByTestId('read-by').click()
    await expectText(bubble(a.page, 'agenda for Friday').getByTestId('readers'), 'Ben')

    await b.page.getByRole('textbox', { name: 'Message' }).pressSequentially('thinking')
    await a.page.getByText('Ben is typing…').waitFor()
    await screenshot(a.page, 'en-read-by')
  }, 60_000)

  it('should send an image and a voice message that the other side sees and can play', async () => {
    const [a, b] = web.pages as [Watched, Watched]
    await openChat(a.page, 'Ben')
    await openChat(b.page, 'Ann')
    await a.page.getByTestId('file-input').setInputFiles(fileURLToPath(new URL('../../docs/screenshots/chat-en.png', import.meta.url)))
    // it waits in the preview until sent
    await a.page.getByRole('dialog', { name: 'Send a photo' }).getByRole('button', { name: 'Send' }).click()
    const img = b.page.getByTestId('message-image').last()
    await img.waitFor()
    await until('the image loaded', () => img.evaluate((el: any) => el.complete && el.naturalWidth > 0))
    // a click shows the full picture
    await img.click()
    const full = b.page.getByRole('dialog', { name: 'View photo' }).locator('img')
    await until('the full image loaded', () => full.evaluate((el: any) => el.complete && el.naturalWidth > 0))
    await b.page.getByRole('dialog', { name: 'View photo' }).click()

    // a voice message from the fake microphone
    await a.page.getByRole('button', { name: 'Record a voice message' }).click()
    await a.page.getByRole('button', { name: 'Stop and send' }).waitFor()
    await new Promise((r) => setTimeout(r, 1500))
    await a.page.getByRole('button', { name: 'Stop and send' }).click()
    const audio = b.page.getByTestId('message-audio').last()
    await audio.waitFor()
    await until('the audio has a duration', () => audio.evaluate((el: any) => el.readyState >= 1 && el.duration > 0), 20_000)

    // a sticker from the server's set, and a typed-in location
    await a.page.getByRole('button', { name: 'Stickers' }).click()
    await a.page.getByRole('dialog', { name: 'Stickers' }).getByRole('button').first().click()
    await until('the sticker shown', () =>
      b.page
        .locator('img.media-sticker')
        .last()
        .evaluate((el: any) => el.complete && el.naturalWidth > 0),
    )
    await a.page.getByRole('button', { name: 'Send a location' }).click()
    const where = a.page.getByRole('dialog', { name: 'Send a location' })
    await where.getByLabel('Latitude').fill('31.2304')
    await where.getByLabel('Longitude').fill('121.4737')
    await where.getByLabel('Place name (optional)').fill('The Bund')
    await where.getByRole('button', { name: 'Send' }).click()
    const place = b.page.locator('a.media-location').filter({ hasText: 'The Bund' })
    await expectText(place, /31\.23040, 121\.47370/)
    expect(await place.getAttribute('href')).toBe('https://www.openstreetmap.org/?mlat=31.2304&mlon=121.4737#map=16/31.2304/121.4737')
    await screenshot(b.page, 'en-media')
  }, 60_000)

  it('should change the avatar, name and bio in settings, shown everywhere the avatar shows', async () => {
    const [a, b] = web.pages as [Watched, Watched]
    await a.page.getByRole('button', { name: 'Settings' }).click()
    const settings = a.page.getByTestId('settings')
    await settings
      .getByTestId('avatar-input')
      .setInputFiles(fileURLToPath(new URL('../../docs/screenshots/chat-zh-CN.png', import.meta.url)))
    const loaded = (where: ReturnType<Page['locator']>) =>
      until('the avatar picture', () =>
        where
          .locator('img[data-testid="avatar-img"]')
          .first()
          .evaluate((el: any) => el.complete && el.naturalWidth > 0),
      )
    await loaded(settings)
    await loaded(a.page.locator('.sidebar-header .me'))
    await settings.getByLabel('Display name').fill('Ann Lee')
    await settings.getByLabel('About me').fill('Edits a lot')
    await settings.getByLabel('Status').selectOption('busy')
    await settings.getByRole('button', { name: 'Save profile' }).click()
    await expectText(a.page.getByTestId('me-name'), 'Ann Lee')
    const me = await ann.api.get('/me')
    expect(me.body).toMatchObject({ nickname: 'Ann Lee', bio: 'Edits a lot', status: 'busy' })
    expect(me.body.avatarFileId).toBeTruthy()
    // signed-in devices: this one is listed
    await settings.getByTestId('device-row').filter({ hasText: 'This device' }).waitFor()
    await settings.evaluate((el: any) => el.parentElement.scrollTo(0, 0))
    await screenshot(a.page, 'en-settings')

    // Ben sees the picture in his chat list, the chat header and his friend list
    await b.page.reload()
    await loaded(b.page.getByTestId('conversation-item').filter({ hasText: 'Ann' }))
    await openChat(b.page, 'Ann Lee')
    await loaded(b.page.locator('.chat-header'))
    await b.page.getByRole('tab', { name: /^Friends/ }).click()
    await loaded(b.page.getByTestId('friend-row').filter({ hasText: 'Ann Lee' }))
    await b.page.getByRole('tab', { name: /^Chats/ }).click()
    await a.page.getByRole('button', { name: 'Settings' }).click()
  }, 60_000)

  it('should let the owner recall a member’s message and mute a member, whose composer is then disabled', async () => {
    const [a] = web.pages as [Watched]
    await openChat(a.page, groupName)
    const c = await signIn(cid)
    await openChat(c.page, groupName)
    await send(c.page, 'spam spam spam')
    await sees(a.page, 'spam spam spam')
    // the owner outranks Cid: recall at any time
    await menuAction(a.page, 'spam spam spam', /^Recall$/)
    await until('recalled for Cid', async () => (await shownMessages(c.page)).some((m) => m.text === 'Message recalled'))

    await a.page.getByRole('button', { name: 'Group details' }).click()
    await a.page.getByRole('button', { name: 'Manage Cid' }).click()
    const manage = a.page.getByRole('group', { name: 'Manage Cid' })
    await manage.getByRole('combobox', { name: 'Mute for' }).selectOption('60')
    await manage.getByRole('button', { name: 'Mute', exact: true }).click()
    await manage.getByRole('button', { name: 'Unmute' }).waitFor()
    await c.page.getByTestId('muted-notice').filter({ hasText: 'You are muted in this group until' }).waitFor()
    expect(await c.page.getByRole('textbox', { name: 'Message' }).count()).toBe(0)
    const members = await ann.api.get(`/groups/${groupId}/members`)
    const mutedCid = members.body.items.find((m: any) => (m.userId ?? m.user.id) === cid.id)
    expect(Date.parse(mutedCid.mutedUntil)).toBeGreaterThan(Date.now() + 50 * 60_000)
    // a group picture, shown in the details and the chat list
    await a.page
      .getByTestId('group-avatar-input')
      .setInputFiles(fileURLToPath(new URL('../../docs/screenshots/chat-en.png', import.meta.url)))
    await until('the group picture', () =>
      a.page
        .getByTestId('conversation-item')
        .filter({ hasText: groupName })
        .locator('img[data-testid="avatar-img"]')
        .evaluate((el: any) => el.complete && el.naturalWidth > 0),
    )
    await screenshot(a.page, 'en-group-admin')
    await a.page.getByRole('button', { name: 'Group details' }).click()
  }, 60_000)

  it('should give an admin the administration page (in Chinese): users, the world channel, the audit log', async () => {
    await web.t.app.store.users.setRole(ann.id, 'admin', Date.now())
    const annAdmin = await login(web.url, ann.username)
    const zh = await signIn(ann, { locale: 'zh-CN' })
    await zh.page.getByRole('button', { name: '系统管理' }).click()
    const admin = zh.page.getByTestId('admin')
    await admin.getByRole('searchbox', { name: '查找用户' }).fill(cid.username)
    await admin.getByRole('button', { name: '搜索' }).click()
    const row = admin.getByTestId('admin-user').filter({ hasText: cid.username })
    await row.getByRole('button', { name: '停用' }).click()
    await row.getByText('已停用').waitFor()
    expect((await annAdmin.api.get(`/admin/users/${cid.id}`)).body.state).toBe('disabled')
    await row.getByRole('button', { name: '启用' }).click()
    await row.getByText('正常').waitFor()
    // the world channel closed and opened again
    await admin.getByRole('checkbox', { name: '世界频道已开放' }).uncheck()
    await until('world closed', async () => (await annAdmin.api.get('/admin/world')).body.open === false)
    await admin.getByRole('checkbox', { name: '世界频道已开放' }).check()
    await until('world open', async () => (await annAdmin.api.get('/admin/world')).body.open === true)
    await until('audited', async () => (await admin.getByTestId('audit-entry').count()) >= 4)
    await admin.getByTestId('audit-entry').filter({ hasText: '关闭了世界频道' }).waitFor()
    await admin.evaluate((el: any) => el.parentElement.scrollTo(0, 0))
    await screenshot(zh.page, 'zh-CN-admin')
    // an ordinary user has no such page
    expect(await web.pages[1]!.page.getByRole('button', { name: 'Administration' }).count()).toBe(0)
  }, 60_000)
})
