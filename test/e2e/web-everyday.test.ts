import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, STRONG_PASSWORD, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import {
  axeViolations,
  ensureWebBuilt,
  expectCleanPages,
  expectText,
  hasChromium,
  launchChromium,
  openChat,
  openPage,
  seesOnce,
  shownMessages,
  until,
  WEB_ROOT,
  type Watched,
} from './browser-harness.js'

/**
 * Issue 17's everyday group and friend features in Chromium against one real server: group
 * nicknames (mine and, as owner, a member's), the member limit when creating a group, clearing a
 * friend chat's history, and a chat deleted for both vanishing from the friend's open page.
 */
describe.skipIf(!hasChromium)('web client in Chromium: groups and friends every day', () => {
  let t: TestApp
  let browser: Browser
  let ann: TestUser
  let ben: TestUser
  let cat: TestUser
  let dan: TestUser
  let annBen = ''
  let annDan = ''
  let w: Watched
  const pages: Watched[] = []

  const signIn = async (user: TestUser, options: { locale?: string } = {}): Promise<Watched> => {
    const opened = await openPage(browser, t.url, options)
    pages.push(opened)
    await opened.page.getByLabel(/^(Username|用户名)$/).fill(user.username)
    await opened.page.getByLabel(/^(Password|密码)$/).fill(STRONG_PASSWORD)
    await opened.page.getByRole('button', { name: /^(Sign in|登录)$/ }).click()
    await opened.page.getByTestId('me-name').waitFor()
    return opened
  }
  const memberRow = (page: Page, name: string | RegExp) => page.getByTestId('member-row').filter({ hasText: name })

  beforeAll(async () => {
    ensureWebBuilt()
    // a group holds at most 3 members here, so the limit is reached with two friends ticked
    t = await startTestApp({ webRoot: WEB_ROOT, overrides: { 'groups.maxMembers': 3 } })
    browser = await launchChromium()
    ann = await createUser(t.url, 'eann', { nickname: 'Ann' })
    ben = await createUser(t.url, 'eben', { nickname: 'Ben' })
    cat = await createUser(t.url, 'ecat', { nickname: 'Cat' })
    dan = await createUser(t.url, 'edan', { nickname: 'Dan' })
    for (const friend of [ben, cat, dan]) await befriend(ann, friend)
    annBen = await directConversation(ann, ben)
    annDan = await directConversation(ann, dan)
    w = await signIn(ann)
  }, 180_000)

  afterAll(async () => {
    expectCleanPages(pages)
    await browser?.close()
    await t?.close()
  })

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

    const groupId = Object.values((await ann.api.sdk.myGroups()).items).find((g) => g.name === 'Trio')!.id
    const members = (await cat.api.sdk.groupMembers(groupId)).items
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
})
