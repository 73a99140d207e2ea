import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, createGroup, directConversation, sendText } from '../helpers/social.js'
import { browserSuite, expectText, skipBrowserTests, until, type Watched } from './browser-harness.js'

/**
 * Issue 18 in the web client, one signed-in page for all checks: the @ badge, reactions, pins and
 * the pinned bar, forwarding one message and a merged chat history (opened as a list), delete for
 * me, and removing a friend with the chat deleted for both.
 */
describe.skipIf(skipBrowserTests)('web client in Chromium: reactions, pins, forwarding, delete for me, mentions', () => {
  const web = browserSuite()
  let ann: TestUser
  let ben: TestUser
  let w: Watched
  let direct = ''
  let group = ''

  const bubble = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text })
  const menu = async (page: Page, text: string, action: string) => {
    await bubble(page, text).hover()
    await bubble(page, text).getByRole('button', { name: 'Message options' }).click()
    await page.getByRole('menuitem', { name: action }).click()
  }
  const open = async (page: Page, name: string) => {
    await page.getByRole('tab', { name: /^Chats/ }).click()
    await page.getByRole('button', { name: new RegExp(`^Open ${name}`) }).click()
    await expectText(page.getByTestId('chat-title'), name)
  }

  beforeAll(async () => {
    ann = await createUser(web.url, 'fann', { nickname: 'Ann' })
    ben = await createUser(web.url, 'fben', { nickname: 'Ben' })
    await befriend(ann, ben)
    direct = await directConversation(ann, ben)
    group = (await createGroup(ben, { name: 'Crew', memberIds: [ann.id] })).group.conversationId
    await sendText(ben, direct, 'first note')
    await sendText(ben, direct, 'second note')
    await ben.api.sdk.send(group, { clientMsgId: 'mention-1', type: 'text', content: { text: '@Ann look', mentions: [ann.id] } })
    w = await web.signIn(ann)
  }, 180_000)

  it('should show the @ badge until the chat is read', async () => {
    const crew = w.page.getByTestId('conversation-item').filter({ hasText: 'Crew' })
    await crew.getByTestId('mention-badge').waitFor()
    await open(w.page, 'Crew')
    await until('badge gone', async () => (await crew.getByTestId('mention-badge').count()) === 0)
  })

  it('should react, pin (the pinned bar), forward one message and a merged history, and delete for me', async () => {
    const { page } = w
    await open(page, 'Ben')
    await menu(page, 'first note', 'React with 👍')
    await expectText(bubble(page, 'first note').getByTestId('reactions'), /👍\s*1/)
    expect((await ben.api.sdk.messages(direct)).items.find((m) => m.content.text === 'first note')?.reactions?.[0]?.emoji).toBe('👍')

    await menu(page, 'first note', 'Pin')
    await expectText(page.getByTestId('pinned-bar'), /first note/)

    await menu(page, 'second note', 'Forward')
    const dialog = page.getByRole('dialog', { name: 'Forward to' })
    await dialog.getByLabel('Crew').check()
    await dialog.getByRole('button', { name: 'Send to 1' }).click()
    await until('forwarded to Crew', async () => (await ben.api.sdk.messages(group, { limit: 1 })).items[0]?.content.text === 'second note')

    await menu(page, 'first note', 'Select…')
    await bubble(page, 'second note').getByRole('checkbox', { name: 'Select this message' }).check()
    await expectText(page.getByTestId('selection-bar'), /2 selected/)
    await page.getByTestId('selection-bar').getByRole('button', { name: 'Forward' }).click()
    const merged = page.getByRole('dialog', { name: 'Forward to' })
    await merged.getByLabel('Crew').check()
    await merged.getByRole('button', { name: 'Send to 1' }).click()

    await open(page, 'Crew')
    await expectText(bubble(page, 'second note').getByTestId('forwarded'), 'Forwarded from Ben')
    await page.getByTestId('chat-history').getByRole('button').click()
    const list = page.getByTestId('chat-history-list')
    await expectText(list, /first note[\s\S]*second note/)
    await list.getByRole('button', { name: 'Close' }).click()

    await open(page, 'Ben')
    await menu(page, 'second note', 'Delete for me')
    await until('hidden for Ann', async () => (await bubble(page, 'second note').count()) === 0)
    expect((await ben.api.sdk.messages(direct)).items.some((m) => m.content.text === 'second note')).toBe(true)
  })

  it('should remove a friend and delete the chat for both', async () => {
    const { page } = w
    await page.getByRole('button', { name: 'Contact details' }).click()
    await page.getByTestId('remove-for-both').check()
    await page.getByRole('button', { name: 'Remove friend' }).click()
    await page.getByRole('button', { name: 'Yes' }).click()
    await until('Ben’s copy cleared', async () => (await ben.api.sdk.messages(direct)).items.length === 0)
  })
})
