import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, STRONG_PASSWORD, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import {
  axeViolations,
  browserSuite,
  expectText,
  skipBrowserTests,
  openChat,
  ROOT,
  screenshot,
  seesOnce,
  shownMessages,
  until,
  type Watched,
} from './browser-harness.js'

/**
 * Issue 17's everyday group and friend features in Chromium against one real server: group
 * nicknames (mine and, as owner, a member's), the member limit when creating a group, clearing a
 * friend chat's history, and a chat deleted for both vanishing from the friend's open page; the
 * admin page across the whole window, with a notice after every action and the audit log in words.
 */
describe.skipIf(skipBrowserTests)('web client in Chromium: groups and friends every day', () => {
  // a group holds at most 3 members here, so the limit is reached with two friends ticked
  const suite = browserSuite({ app: { overrides: { 'groups.maxMembers': 3, 'messages.sendPerMinute': 100_000 } } })
  let ann: TestUser
  let ben: TestUser
  let cat: TestUser
  let dan: TestUser
  let annBen = ''
  let annDan = ''
  let annCat = ''
  let trio = ''
  let w: Watched

  const signIn = (user: TestUser, options: { locale?: string } = {}): Promise<Watched> => suite.signIn(user, options)
  const memberRow = (page: Page, name: string | RegExp) => page.getByTestId('member-row').filter({ hasText: name })

  beforeAll(async () => {
    const url = suite.url
    ann = await createUser(url, 'eann', { nickname: 'Ann' })
    ben = await createUser(url, 'eben', { nickname: 'Ben' })
    cat = await createUser(url, 'ecat', { nickname: 'Cat' })
    dan = await createUser(url, 'edan', { nickname: 'Dan' })
    for (const friend of [ben, cat, dan]) await befriend(ann, friend)
    annBen = await directConversation(ann, ben)
    annDan = await directConversation(ann, dan)
    annCat = await directConversation(ann, cat)
    w = await signIn(ann)
  }, 180_000)

  it('should show the member limit while creating a group and not let a fourth member be ticked', async () => {
    const { page } = w
    await page.getByRole('tab', { name: /^Groups/ }).click()
    await page.getByRole('button', { name: 'New group' }).click()
    const form = page.getByRole('form', { name: 'New group' })
    await form.getByLabel('Group name').fill('Trio')
    await expectText(form.getByTestId('group-size'), '1 of at most 3 members (you included)')
    await form.getByRole('checkbox', { name: 'Ben' }).check()
    await form.getByRole('checkbox', { name: 'Cat' }).check()
    await expectText(form.getByTestId('group-size'), /at most 3 members \(you included\): untick someone/)
    expect(await form.getByRole('checkbox', { name: 'Dan' }).isDisabled()).toBe(true)
    await form.getByRole('checkbox', { name: 'Cat' }).uncheck()
    expect(await form.getByRole('checkbox', { name: 'Dan' }).isDisabled()).toBe(false)
    await form.getByRole('checkbox', { name: 'Cat' }).check()
    await form.getByRole('button', { name: 'Create' }).click()
    await expectText(page.getByTestId('chat-title'), 'Trio')
  }, 60_000)

  it('should set my group nickname and, as owner, a member’s; others see them', async () => {
    const { page } = w
    await page.getByRole('button', { name: 'Group details' }).click()
    await until('three members', async () => (await page.getByTestId('member-row').count()) === 3)
    await page.getByRole('heading', { name: 'Members (3 of at most 3)' }).waitFor()
    await expectText(memberRow(page, 'Ann').locator('.role-tag'), 'Owner')
    await memberRow(page, 'Ann').getByRole('button', { name: 'My group nickname' }).click()
    const mine = page.getByTestId('group-nickname-form')
    await mine.getByLabel('Group nickname').fill('Captain')
    await mine.getByRole('button', { name: 'Save' }).click()
    await memberRow(page, 'Captain (you)').waitFor()
    await page.getByRole('status').filter({ hasText: 'Group nickname saved.' }).first().waitFor()

    await page.getByRole('button', { name: 'Manage Ben' }).click()
    const forBen = page.getByRole('group', { name: 'Manage Ben' }).getByTestId('group-nickname-form')
    await forBen.getByLabel('Group nickname').fill('Navigator')
    await forBen.getByRole('button', { name: 'Save' }).click()
    await memberRow(page, 'Navigator').waitFor()

    trio = (await ann.api.sdk.myGroups()).items.find((g) => g.name === 'Trio')!.id
    const members = (await cat.api.sdk.groupMembers(trio)).items
    expect(Object.fromEntries(members.map((m) => [m.user.id, m.groupNickname ?? '']))).toEqual({
      [ann.id]: 'Captain',
      [ben.id]: 'Navigator',
      [cat.id]: '',
    })
    // Cat, a plain member, sees the names and roles, and may edit only her own nickname
    const c = await signIn(cat)
    await openChat(c.page, 'Trio')
    await c.page.getByRole('button', { name: 'Group details' }).click()
    await expectText(memberRow(c.page, 'Captain').locator('.role-tag'), 'Owner')
    await memberRow(c.page, 'Navigator').waitFor()
    expect(await c.page.getByRole('button', { name: /^Manage / }).count()).toBe(0)
    expect(await c.page.getByRole('button', { name: 'My group nickname' }).count()).toBe(1)
    await c.context.close()
    await page.getByRole('button', { name: 'Group details' }).click()
  }, 90_000)

  it('should clear my copy of a friend chat after asking, and keep it cleared after a reload; the friend keeps theirs', async () => {
    const { page } = w
    await sendText(ben, annBen, 'old plan')
    await sendText(ann, annBen, 'sounds good')
    await openChat(page, 'Ben')
    await seesOnce(page, 'sounds good')
    await page.getByRole('button', { name: 'Contact details' }).click()
    await page.getByRole('button', { name: 'Clear chat history' }).click()
    await page
      .getByRole('group', { name: /Delete your copy of the chat with Ben/ })
      .getByRole('button', { name: 'Yes' })
      .click()
    await until('chat emptied', async () => (await shownMessages(page)).length === 0)
    await page.getByRole('status').filter({ hasText: 'Chat history cleared.' }).first().waitFor()
    expect((await ben.api.sdk.messages(annBen)).items.map((m) => m.content.text)).toEqual(['old plan', 'sounds good'])
    await page.reload()
    await openChat(page, 'Ben')
    await page.getByTestId('message-list').getByText('Beginning of the conversation').waitFor()
    expect(await shownMessages(page)).toEqual([])
    await sendText(ben, annBen, 'after the clear')
    await seesOnce(page, 'after the clear')
  }, 60_000)

  it('should empty the friend’s open chat at once when I remove them and delete the chat for both', async () => {
    await sendText(dan, annDan, 'see you')
    const d = await signIn(dan)
    await openChat(d.page, 'Ann')
    await seesOnce(d.page, 'see you')
    const { page } = w
    await openChat(page, 'Dan')
    await page.getByRole('button', { name: 'Contact details' }).click()
    await page.getByTestId('remove-for-both').check()
    await page.getByRole('button', { name: 'Remove friend' }).click()
    await page.getByRole('button', { name: 'Yes' }).click()
    await until('Dan’s open chat emptied', async () => (await shownMessages(d.page)).length === 0)
    await d.context.close()
  }, 60_000)

  it('should have no serious accessibility violations in group details and contact details', async () => {
    const { page } = w
    await openChat(page, 'Trio')
    await page.getByRole('button', { name: 'Group details' }).click()
    await memberRow(page, 'Captain').getByRole('button', { name: 'My group nickname' }).click()
    expect(await axeViolations(page)).toEqual([])
    await openChat(page, 'Ben')
    await page.getByRole('button', { name: 'Contact details' }).click()
    expect(await axeViolations(page)).toEqual([])
  }, 60_000)
  it('should show a pin the other side made live, and jump to a pinned message older than the loaded history', async () => {
    const old = await sendText(cat, annCat, 'the address is 12 Elm Street')
    for (let i = 1; i <= 80; i++) await sendText(cat, annCat, `chatter ${i}`)
    const { pins } = await cat.api.sdk.pin(annCat, old.seq)
    expect(pins.map((p) => p.seq)).toEqual([old.seq])
    // read through (on another device): the chat opens on its latest page, not on a first unread far back
    const latest = await ann.api.sdk.messages(annCat, { limit: 1 })
    await ann.api.sdk.markRead(annCat, latest.items[0]!.seq)
    const { page } = w
    await openChat(page, 'Cat')
    await seesOnce(page, 'chatter 80')
    // the latest page only: the pinned message is not loaded yet
    expect((await shownMessages(page)).some((m) => m.seq === old.seq)).toBe(false)
    await page.getByTestId('pinned-bar').getByRole('button', { name: 'the address is 12 Elm Street' }).click()
    const pinned = page.locator(`[data-testid="message"][data-seq="${old.seq}"]`)
    await pinned.waitFor()
    await until('the pinned message in view', async () => {
      const [box, list] = [await pinned.boundingBox(), await page.getByTestId('message-list').boundingBox()]
      return !!box && !!list && box.y >= list.y && box.y + box.height <= list.y + list.height
    })
    // one unbroken run from the pin down to the latest
    const seqs = (await shownMessages(page)).map((m) => m.seq).filter((seq) => seq >= old.seq)
    const last = (await ann.api.sdk.messages(annCat, { limit: 1 })).items[0]!.seq
    expect(seqs).toEqual(Array.from({ length: last - old.seq + 1 }, (_, i) => old.seq + i))
  }, 90_000)

  it('should move through the chat list and the messages with the arrow keys; dark mode and reduced motion pass too', async () => {
    const { page } = w
    const focused = () =>
      page.evaluate(() => {
        const el = (globalThis as any).document.activeElement
        return {
          label: el?.getAttribute('aria-label') ?? '',
          seq: el?.getAttribute('data-seq') ?? '',
          inMessage: !!el?.closest('[data-testid="message"]'),
        }
      })
    const chats = page.locator('.conv-open')
    const labels = await chats.evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? ''))
    expect(labels.length).toBeGreaterThan(2)
    await chats.first().focus()
    await page.keyboard.press('ArrowDown')
    expect((await focused()).label).toBe(labels[1])
    await page.keyboard.press('End')
    expect((await focused()).label).toBe(labels.at(-1))
    await page.keyboard.press('ArrowUp')
    expect((await focused()).label).toBe(labels.at(-2))
    await page.keyboard.press('Home')
    expect((await focused()).label).toBe(labels[0])

    // the open chat (Cat): from the list of messages, ArrowUp takes the latest, then the one before
    const stored = await page
      .locator('[data-testid="message"][data-seq]')
      .evaluateAll((els) => els.map((el) => ({ seq: Number(el.getAttribute('data-seq')) })))
    await page.getByTestId('message-list').focus()
    await page.keyboard.press('ArrowUp')
    expect((await focused()).seq).toBe(String(stored.at(-1)!.seq))
    await page.keyboard.press('ArrowUp')
    expect((await focused()).seq).toBe(String(stored.at(-2)!.seq))
    await page.keyboard.press('ArrowDown')
    expect((await focused()).seq).toBe(String(stored.at(-1)!.seq))
    // Tab reaches the focused message's own actions
    await page.keyboard.press('Tab')
    expect(await focused()).toMatchObject({ label: 'Message options', inMessage: true })
    expect(
      await page
        .locator('[data-testid="message"]:focus-within .msg-more')
        .evaluate((el) => (globalThis as any).getComputedStyle(el).opacity),
    ).toBe('1')

    await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' })
    expect(
      await page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.documentElement).backgroundColor),
    ).toBe('rgb(15, 20, 26)')
    expect(
      await page
        .locator('.btn')
        .first()
        .evaluate((el) => parseFloat((globalThis as any).getComputedStyle(el).transitionDuration)),
    ).toBeLessThan(0.001)
    expect(await axeViolations(page)).toEqual([])
    await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' })
  }, 60_000)

  it('should jump from a reply to the message it answers when that is older than the loaded history', async () => {
    const old = await sendText(ben, annBen, 'the gate code is 4321')
    for (let i = 1; i <= 80; i++) await sendText(ben, annBen, `noise ${i}`)
    await ben.api.sdk.send(annBen, { clientMsgId: 'reply-far-back', type: 'text', content: { text: 'as I said', replyTo: old.seq } })
    const latest = await ann.api.sdk.messages(annBen, { limit: 1 })
    await ann.api.sdk.markRead(annBen, latest.items[0]!.seq)
    const { page } = w
    // a fresh load: the open page received all of them live
    await page.reload()
    await openChat(page, 'Ben')
    await seesOnce(page, 'as I said')
    expect((await shownMessages(page)).some((m) => m.seq === old.seq)).toBe(false)
    // the quote names the message by number until it is loaded, and still takes you there
    const quote = page.getByTestId('message').filter({ hasText: 'as I said' }).locator('.reply-quote')
    await expect.poll(() => quote.textContent()).toContain(`#${old.seq}`)
    await quote.click()
    const answered = page.locator(`[data-testid="message"][data-seq="${old.seq}"]`)
    await answered.waitFor()
    await until('the answered message in view', async () => {
      const [box, list] = [await answered.boundingBox(), await page.getByTestId('message-list').boundingBox()]
      return !!box && !!list && box.y >= list.y && box.y + box.height <= list.y + list.height
    })
    await expect.poll(() => quote.textContent()).toContain('the gate code is 4321')
  }, 90_000)

  it('should open the admin page across the whole window, tell how each action went, and log it in words', async () => {
    await suite.t.app.store.users.setRole(ann.id, 'admin', Date.now())
    const annAdmin = await login(suite.url, ann.username)
    expect((await annAdmin.api.put(`/admin/groups/${trio}/member-limit`, { maxMembers: 10 })).status).toBe(200)
    // a new session: the role is read at sign-in
    const { page } = await signIn(ann)
    await page.getByRole('button', { name: 'Administration' }).click()
    const admin = page.getByTestId('admin')
    // the whole window, no 360 px sidebar beside it
    expect(await page.locator('aside.sidebar').count()).toBe(0)
    expect((await admin.boundingBox())!.width).toBeGreaterThan(1100)

    await admin.getByRole('searchbox', { name: 'Find users' }).fill('ecat')
    await admin.getByRole('button', { name: 'Search' }).click()
    const row = admin.getByTestId('admin-user').filter({ hasText: 'ecat' })
    await row.getByRole('button', { name: 'Disable' }).click()
    await page.getByRole('status').filter({ hasText: 'Cat is disabled and signed out.' }).waitFor()
    await row.getByRole('button', { name: 'Enable' }).click()
    await page.getByRole('status').filter({ hasText: 'Cat is enabled again.' }).waitFor()
    await admin.getByRole('checkbox', { name: 'The world channel is open' }).uncheck()
    await page.getByRole('status').filter({ hasText: 'The world channel is closed.' }).waitFor()
    await admin.getByRole('checkbox', { name: 'The world channel is open' }).check()
    await page.getByRole('status').filter({ hasText: 'The world channel is open.' }).waitFor()

    const log = admin.getByTestId('audit-entry')
    for (const line of [
      'Ann disabled Cat',
      'Ann enabled Cat',
      'Ann closed the world channel',
      'Ann opened the world channel',
      'Ann set the member limit of Trio to 10',
    ])
      await log.filter({ hasText: line }).first().waitFor()
    expect(await axeViolations(page)).toEqual([])
    // the notices closed (each by its own button), for the picture
    await until('notices closed', async () => {
      const close = page.locator('.notice').getByRole('button', { name: 'Close' })
      if ((await close.count()) === 0) return true
      await close.first().click()
      return false
    })
    const shot = await screenshot(page, 'en-admin')
    if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') copyFileSync(shot, join(ROOT, 'docs/screenshots/admin-en.png'))

    // refused: the account went away meanwhile; the page says so instead of staying silent
    await admin.getByRole('searchbox', { name: 'Find users' }).fill('edan')
    await admin.getByRole('button', { name: 'Search' }).click()
    const danRow = admin.getByTestId('admin-user').filter({ hasText: 'edan' })
    await danRow.getByRole('button', { name: 'Disable' }).waitFor()
    expect((await annAdmin.api.request('DELETE', `/admin/users/${dan.id}`, {})).status).toBe(204)
    await danRow.getByRole('button', { name: 'Disable' }).click()
    await page.getByRole('alert').filter({ hasText: 'That account has been deleted in the meantime.' }).waitFor()
    await log
      .filter({ hasText: /Ann deleted the account edan/ })
      .first()
      .waitFor()

    // the same log in Chinese
    const zh = await signIn(ann, { locale: 'zh-CN' })
    await zh.page.getByRole('button', { name: '系统管理' }).click()
    const zhLog = zh.page.getByTestId('admin').getByTestId('audit-entry')
    await zhLog.filter({ hasText: 'Ann 停用了 Cat' }).first().waitFor()
    await zhLog.filter({ hasText: 'Ann 关闭了世界频道' }).first().waitFor()
    await zh.page.getByRole('button', { name: '返回聊天' }).click()
    await zh.page.getByRole('tab', { name: /^聊天/ }).waitFor()
    await zh.context.close()

    await page.getByRole('button', { name: 'Back to chats' }).click()
    await page.locator('aside.sidebar').waitFor()
  }, 90_000)
})

describe.skipIf(skipBrowserTests)('web client in Chromium: a newcomer', () => {
  const suite = browserSuite()

  beforeAll(async () => {
    // the world channel already has a conversation going before the newcomer arrives
    const old = await createUser(suite.url, 'oldtimer', { nickname: 'Old' })
    const world = await old.api.sdk.world()
    for (let i = 1; i <= 3; i++) await sendText(old, world.id, `welcome ${i}`)
  })

  it('should open on Create account, rate the password while typing, and start with no World badge and next steps', async () => {
    const { page } = await suite.open()
    await page.getByRole('tab', { name: 'Create account', selected: true }).waitFor()
    await page.getByLabel('Username').fill('newbie')
    const meter = page.getByRole('meter', { name: 'Strength' })
    await page.getByLabel('Password').fill('password')
    await expectText(page.getByTestId('password-strength'), /^Very weak/)
    expect(await meter.getAttribute('aria-valuenow')).toBe('0')
    await page.getByLabel('Password').fill(STRONG_PASSWORD)
    await expectText(page.getByTestId('password-strength'), /Strong$/)
    expect(await meter.getAttribute('aria-valuenow')).toBe('4')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByTestId('me-name').waitFor()

    // the world is listed without the messages sent before the account existed counting as unread
    const world = page.getByTestId('conversation-item').filter({ hasText: 'World' })
    await world.waitFor()
    expect(await world.getByTestId('unread-badge').count()).toBe(0)
    expect(
      await page
        .getByRole('tab', { name: /^Chats/ })
        .locator('.badge')
        .count(),
    ).toBe(0)
    await expectText(page.getByTestId('conversations-empty'), /only the world channel/)
    await page.getByRole('heading', { name: 'Welcome, newbie!' }).waitFor()
    expect(await axeViolations(page)).toEqual([])

    await page.getByRole('main').getByRole('button', { name: 'Find people' }).click()
    const search = page.getByRole('searchbox', { name: 'Find people' })
    await until('the people search focused', () => search.evaluate((el) => (globalThis as any).document.activeElement === el))
    await page.getByText(/^No friends yet\. Search above/).waitFor()
    await search.fill('nobody-like-this')
    await search.press('Enter')
    await page.getByText(/^Nothing found\. Check the spelling/).waitFor()

    await page.getByRole('tab', { name: /^Chats/ }).click()
    await page.getByRole('main').getByRole('button', { name: 'Open the world channel' }).click()
    await expectText(page.getByTestId('chat-title'), 'World')

    // signed out, this browser now opens on "Sign in"
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('tab', { name: 'Sign in', selected: true }).waitFor()
  }, 90_000)

  it('should show the same next steps in Chinese', async () => {
    const xin = await createUser(suite.url, 'xinren', { nickname: '新人' })
    const { page } = await suite.signIn(xin, { locale: 'zh-CN' })
    await page.getByRole('heading', { name: '欢迎，新人！' }).waitFor()
    await page.getByRole('main').getByRole('button', { name: '打开世界频道' }).waitFor()
    await expectText(page.getByTestId('conversations-empty'), /目前只有所有人都在的世界频道/)
  }, 60_000)
})
