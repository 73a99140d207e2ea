import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { browserSuite, expectText, screenshot, skipBrowserTests, until, type Watched } from './browser-harness.js'

/**
 * Message search in the web client (issue 18): the global box finds an old message (marked, as text
 * even when it looks like HTML), and a hit opens the chat scrolled to it with the messages around it;
 * the in-chat box does the same for Chinese text.
 */
describe.skipIf(skipBrowserTests)('web client in Chromium: message search', () => {
  const web = browserSuite({ app: { overrides: { 'messages.sendPerMinute': 100_000 } } })
  let ann: TestUser
  let ben: TestUser
  let w: Watched
  let oldSeq = 0

  /** Where a message sits in the open chat: shown, inside the scroller's visible box, highlighted? */
  const placeOf = (page: Page, seq: number) =>
    page.getByTestId('message-list').evaluate((list, wanted) => {
      const el = list.querySelector(`[data-seq="${wanted}"]`)
      if (!el) return null
      const box = el.getBoundingClientRect()
      const view = list.getBoundingClientRect()
      return { inView: box.top >= view.top - 1 && box.bottom <= view.bottom + 1, focused: el.classList.contains('search-focus') }
    }, seq)

  beforeAll(async () => {
    ann = await createUser(web.url, 'sann', { nickname: 'Ann' })
    ben = await createUser(web.url, 'sben', { nickname: 'Ben' })
    await befriend(ann, ben)
    const conv = await directConversation(ann, ben)
    await sendText(ben, conv, 'before the needle')
    oldSeq = (await sendText(ben, conv, '在草堆里找针 the needle <img src=x onerror=alert(1)>')).seq
    await sendText(ben, conv, 'after the needle')
    // far more than the latest page (50): the hit is not loaded when the chat opens
    for (let i = 0; i < 120; i++) await sendText(i % 2 ? ann : ben, conv, `filler ${i}`)
    await sendText(ann, conv, 'a fresh needle')
    w = await web.signIn(ann)
  }, 180_000)

  it('should find an old message from the global box and open the chat at it, with the messages around it', async () => {
    const { page } = w
    const box = page.getByTestId('search-input')
    await box.fill('n')
    await page.getByText('Type at least 2 characters.').waitFor()
    await box.fill('needle')
    const hits = page.getByTestId('search-hit')
    await until('4 hits', async () => (await hits.count()) === 4)
    // newest first; the hit is marked, and the HTML-looking text is shown as text
    await expectText(hits.first().locator('mark'), 'needle')
    const old = page.locator(`[data-testid="search-hit"][data-seq="${oldSeq}"]`)
    await expect(old.textContent()).resolves.toContain('<img src=x onerror=alert(1)>')
    expect(await page.getByTestId('search-results').locator('img').count()).toBe(0)
    await screenshot(page, 'search-global')

    await old.click()
    await expectText(page.getByTestId('chat-title'), 'Ben')
    await until('the hit in view, highlighted', async () => {
      const place = await placeOf(page, oldSeq)
      return place?.inView && place.focused
    })
    // the context: the messages just before and after it are there too
    expect(await placeOf(page, oldSeq - 1)).not.toBeNull()
    expect(await placeOf(page, oldSeq + 1)).not.toBeNull()
  })

  it('should search Chinese in the open chat and jump to the hit', async () => {
    const { page } = w
    const list = page.getByTestId('message-list')
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight))
    await page.getByTestId('chat-search-toggle').click()
    await page.getByTestId('chat-search-input').fill('草堆')
    const hit = page.locator('.chat-search [data-testid="search-hit"]')
    await until('1 hit', async () => (await hit.count()) === 1)
    await expectText(hit.locator('mark'), '草堆')
    await hit.click()
    await until('the hit in view again', async () => (await placeOf(page, oldSeq))?.inView)
    await screenshot(page, 'search-in-chat')
  })
})
