import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation } from '../helpers/social.js'
import { makeImage, noiseImage, pdfBytes } from '../helpers/uploads.js'
import {
  axeViolations,
  browserSuite,
  expectText,
  openChat,
  screenshot,
  skipBrowserTests,
  submitSignIn,
  until,
  type Watched,
} from './browser-harness.js'

interface Stored {
  seq: number
  type: string
  content: { caption?: string; name?: string; width?: number; durationMs?: number }
}

/**
 * The composer of issue 17 in Chromium against one real server, uploads included: a preview with
 * a caption before a photo or file goes, the same preview for a pasted or dropped picture, and a
 * voice recording that can be cancelled (button or Esc) and survives folding the phone's "+" tray.
 */
describe.skipIf(skipBrowserTests)('web client in Chromium: the composer', () => {
  // a small image limit, so one refused upload can be seen
  const s = browserSuite({ app: { overrides: { 'files.maxImageBytes': 256 * 1024 } } })
  let ann: TestUser
  let ben: TestUser
  let annBen = ''
  let annCat = ''
  let photo: Buffer
  const pages: Watched[] = []

  const signIn = async (user: TestUser): Promise<Watched> => {
    const w = await s.signIn(user)
    pages.push(w)
    return w
  }

  /** Ann and Ben's chat as the server stores it, oldest first. */
  const stored = async (): Promise<Stored[]> => (await ann.api.get(`/conversations/${annBen}/messages?limit=100`)).body.items
  const ofType = async (type: string) => (await stored()).filter((m) => m.type === type)
  /** The image in the preview has really loaded (an object URL of the chosen bytes). */
  const previewLoaded = (page: Page) =>
    until('the preview picture', () => page.getByTestId('attachment-picture').evaluate((el: any) => el.complete && el.naturalWidth > 0))

  beforeAll(async () => {
    ann = await createUser(s.url, 'ann', { nickname: 'Ann' })
    ben = await createUser(s.url, 'ben', { nickname: 'Ben' })
    const cat = await createUser(s.url, 'cat', { nickname: 'Cat' })
    await befriend(ann, ben)
    await befriend(ann, cat)
    annBen = await directConversation(ann, ben)
    annCat = await directConversation(ann, cat)
    photo = await makeImage('png', 640, 400)
  }, 180_000)

  it('should preview a chosen photo and file with a caption; Cancel sends nothing, Send uploads both with their captions', async () => {
    const a = await signIn(ann)
    const b = await signIn(ben)
    await openChat(a.page, 'Ben')
    await openChat(b.page, 'Ann')
    const input = a.page.getByRole('textbox', { name: 'Message' })
    await input.fill('a draft stays while a photo goes')

    // a photo: its picture, name and size, then Cancel
    await a.page.getByTestId('file-input').setInputFiles({ name: 'beach.png', mimeType: 'image/png', buffer: photo })
    const preview = a.page.getByRole('dialog', { name: 'Send a photo' })
    await previewLoaded(a.page)
    await expectText(preview, /beach\.png/)
    await expectText(preview, new RegExp(`${Math.round(photo.length / 1024)} KB`))
    await preview.getByRole('textbox', { name: 'Caption' }).fill('not this one')
    expect(await axeViolations(a.page), 'the preview is accessible').toEqual([])
    await preview.getByRole('button', { name: 'Cancel' }).click()
    await preview.waitFor({ state: 'detached' })
    expect(await input.inputValue()).toBe('a draft stays while a photo goes')

    // again, with Esc this time, then for real with Enter in the caption
    await a.page.getByTestId('file-input').setInputFiles({ name: 'beach.png', mimeType: 'image/png', buffer: photo })
    await preview.getByRole('textbox', { name: 'Caption' }).press('Escape')
    await preview.waitFor({ state: 'detached' })
    await a.page.getByTestId('file-input').setInputFiles({ name: 'beach.png', mimeType: 'image/png', buffer: photo })
    const caption = preview.getByRole('textbox', { name: 'Caption' })
    await expectText(caption, '')
    await caption.fill('Sunset at the beach 🌅')
    await caption.press('Enter')
    await preview.waitFor({ state: 'detached' })
    const theirs = b.page.getByTestId('message').filter({ has: b.page.getByTestId('message-image') })
    await expectText(theirs.getByTestId('message-caption'), 'Sunset at the beach 🌅')
    await until('the photo loaded for Ben', () =>
      theirs.getByTestId('message-image').evaluate((el: any) => el.complete && el.naturalWidth > 0),
    )
    const images = await ofType('image')
    expect(images.map((m) => m.content)).toEqual([expect.objectContaining({ width: 640, caption: 'Sunset at the beach 🌅' })])
    // the chat list tells it with the caption
    await expectText(b.page.getByTestId('conversation-item').filter({ hasText: 'Ann' }), /\[Photo\] Sunset at the beach/)

    // a file: name and size, no picture, a caption
    await a.page.getByTestId('file-input').setInputFiles({ name: 'minutes.pdf', mimeType: 'application/pdf', buffer: pdfBytes() })
    const filePreview = a.page.getByRole('dialog', { name: 'Send a file' })
    await expectText(filePreview, /minutes\.pdf/)
    expect(await filePreview.getByTestId('attachment-picture').count()).toBe(0)
    await filePreview.getByRole('textbox', { name: 'Caption' }).fill('Page 2 has the budget')
    await filePreview.getByRole('button', { name: 'Send' }).click()
    const theirFile = b.page.getByTestId('message').filter({ has: b.page.getByTestId('message-file') })
    await expectText(theirFile.getByTestId('message-file'), /minutes\.pdf/)
    await expectText(theirFile.getByTestId('message-caption'), 'Page 2 has the budget')
    expect((await ofType('file')).map((m) => m.content)).toEqual([
      expect.objectContaining({ name: 'minutes.pdf', caption: 'Page 2 has the budget' }),
    ])
    // nothing of the cancelled tries went out, and the typed draft is still there
    expect((await ofType('image')).length).toBe(1)
    expect(await input.inputValue()).toBe('a draft stays while a photo goes')
  }, 90_000)

  it('should say a photo is over the server limit before uploading, and keep the preview and caption when the server refuses one', async () => {
    const a = pages[0]!
    const uploads: string[] = []
    a.page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/files') uploads.push(r.url())
    })
    const big = await noiseImage(900, 900)
    expect(big.length).toBeGreaterThan(256 * 1024)
    await a.page.getByTestId('file-input').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: big })
    const preview = a.page.getByRole('dialog', { name: 'Send a photo' })
    await expectText(preview.getByRole('alert'), /the largest this server takes is 256 KB/)
    expect(await preview.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true)
    await preview.getByRole('button', { name: 'Cancel' }).click()

    // a picture cut short: only the server finds out (it cannot decode it)
    await a.page.getByTestId('file-input').setInputFiles({ name: 'cut.png', mimeType: 'image/png', buffer: photo.subarray(0, 300) })
    await preview.getByRole('textbox', { name: 'Caption' }).fill('kept after a refusal')
    await preview.getByRole('button', { name: 'Send' }).click()
    await a.page.getByRole('alert').filter({ hasText: 'That image could not be read.' }).waitFor()
    expect(await preview.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true)
    expect(await preview.getByRole('textbox', { name: 'Caption' }).inputValue()).toBe('kept after a refusal')
    await preview.getByRole('button', { name: 'Cancel' }).click()
    // the over-limit photo never left the browser; the cut one did and was refused
    expect(uploads.length).toBe(1)
    expect((await ofType('image')).length).toBe(1)
  }, 60_000)

  it('should open the same preview for a pasted picture and for a file dropped on the chat', async () => {
    const a = pages[0]!
    const page = a.page
    const input = page.getByRole('textbox', { name: 'Message' })
    const base64 = (await makeImage('png', 300, 200)).toString('base64')
    // a screenshot on the clipboard, pasted into the message box
    await input.evaluate((el, data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
      const g = globalThis as any
      const clipboard = new g.DataTransfer()
      clipboard.items.add(new File([bytes], 'image.png', { type: 'image/png' }))
      el.dispatchEvent(new g.ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true, cancelable: true }))
    }, base64)
    const preview = page.getByRole('dialog', { name: 'Send a photo' })
    await previewLoaded(page)
    await preview.getByRole('textbox', { name: 'Caption' }).fill('pasted')
    await preview.getByRole('button', { name: 'Send' }).click()
    await until('the pasted photo stored', async () => (await ofType('image')).some((m) => m.content.caption === 'pasted'))
    // the draft text was not touched by the paste
    expect(await input.inputValue()).toBe('a draft stays while a photo goes')

    // a photo dragged from the desktop over the messages: a hint, then the preview
    const files = await page.evaluateHandle((data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
      const transfer = new (globalThis as any).DataTransfer()
      transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }))
      return transfer
    }, base64)
    const list = page.getByTestId('message-list')
    await list.dispatchEvent('dragenter', { dataTransfer: files })
    await list.dispatchEvent('dragover', { dataTransfer: files })
    await expectText(page.locator('.drop-hint'), 'Drop a photo or file to send it here')
    await list.dispatchEvent('drop', { dataTransfer: files })
    expect(await page.locator('.drop-hint').count()).toBe(0)
    await previewLoaded(page)
    await expectText(preview, /dropped\.png/)
    await preview.getByRole('textbox', { name: 'Caption' }).fill('dropped in')
    await preview.getByRole('button', { name: 'Send' }).click()
    await until('the dropped photo stored', async () => (await ofType('image')).some((m) => m.content.caption === 'dropped in'))
    expect((await ofType('image')).map((m) => m.content.caption)).toEqual(['Sunset at the beach 🌅', 'pasted', 'dropped in'])
  }, 60_000)

  it('should throw a voice recording away with Cancel or Esc and send it with Stop and send', async () => {
    const { page } = pages[0]!
    const record = async () => {
      await page.getByRole('button', { name: 'Record a voice message' }).click()
      const bar = page.getByRole('group', { name: 'Recording a voice message' })
      // the recorder has really been running for a while (the clock moved)
      await expectText(bar.getByTestId('recording-time'), '0:01')
      return bar
    }
    const first = await record()
    expect(await axeViolations(page), 'the recording bar is accessible').toEqual([])
    await first.getByRole('button', { name: 'Cancel recording' }).click()
    await page.getByRole('button', { name: 'Record a voice message' }).waitFor()
    await record()
    await page.keyboard.press('Escape')
    await page.getByRole('group', { name: 'Recording a voice message' }).waitFor({ state: 'detached' })
    await (await record()).getByRole('button', { name: 'Stop and send' }).click()
    await until('the voice message stored', async () => (await ofType('voice')).length > 0)
    await page.getByTestId('message-audio').waitFor()
    // the two thrown-away recordings never reached the server
    expect((await ofType('voice')).length).toBe(1)
    expect((await ofType('voice'))[0]!.content.durationMs).toBeGreaterThanOrEqual(1000)
  }, 60_000)

  it('should keep a draft per chat across a reload', async () => {
    const { page } = pages[0]!
    const input = page.getByRole('textbox', { name: 'Message' })
    await openChat(page, 'Cat')
    await input.fill('for Cat only')
    await page.reload()
    await expectText(page.getByTestId('chat-title'), 'Cat')
    expect(await input.inputValue()).toBe('for Cat only')
    await openChat(page, 'Ben')
    expect(await input.inputValue()).toBe('a draft stays while a photo goes')
    expect(new URL(page.url()).pathname).toBe(`/c/${annBen}`)
    await openChat(page, 'Cat')
    expect(await input.inputValue()).toBe('for Cat only')
    expect(new URL(page.url()).pathname).toBe(`/c/${annCat}`)
  }, 60_000)

  it('should count characters only near the text limit (4,000), and send a long text that still fits', async () => {
    const { page } = pages[0]!
    const input = page.getByRole('textbox', { name: 'Message' })
    const counter = page.locator('.char-counter')
    await input.fill('y'.repeat(3_400))
    expect(await counter.count()).toBe(0)
    // 字 is one character, as the server counts (code points), however many bytes it takes
    await input.fill('字'.repeat(3_900))
    await expectText(counter, '3,900 / 4,000')
    expect(await input.getAttribute('aria-describedby')).toBe(await counter.getAttribute('id'))
    await input.press('Enter')
    await until('the long text stored', async () => {
      const items = (await ann.api.get(`/conversations/${annCat}/messages?limit=1`)).body.items
      return items[0]?.content.text === '字'.repeat(3_900)
    })
    expect(await counter.count()).toBe(0)
  }, 60_000)

  it('phone (390x844, Chinese): a recording survives closing the "+" tray, and the photo preview fits the screen', async () => {
    const p = await s.open({ phone: true, locale: 'zh-CN' })
    await submitSignIn(p.page, ann.username)
    await p.page.getByTestId('me-name').waitFor()
    const { page } = p
    const voicesBefore = (await ofType('voice')).length
    await openChat(page, 'Ben')
    const more = page.getByRole('button', { name: /^更多/ })
    await more.click()
    await page.getByRole('toolbar', { name: /^更多/ }).getByRole('button', { name: '录制语音消息' }).click()
    const bar = page.getByRole('group', { name: '正在录制语音消息' })
    await expectText(bar.getByTestId('recording-time'), '0:01')
    // the tray folds away: the recording goes on (it used to be lost here)
    await more.click()
    await screenshot(page, 'phone-recording')
    expect(await page.getByRole('toolbar', { name: /^更多/ }).count()).toBe(0)
    await expectText(bar.getByTestId('recording-time'), '0:02')
    await bar.getByRole('button', { name: '停止并发送' }).click()
    await until('the voice message from the phone', async () => (await ofType('voice')).length === voicesBefore + 1)
    expect((await ofType('voice')).at(-1)!.content.durationMs).toBeGreaterThanOrEqual(2000)

    // and a recording can be cancelled here too
    await more.click()
    await page.getByRole('toolbar', { name: /^更多/ }).getByRole('button', { name: '录制语音消息' }).click()
    await expectText(bar.getByTestId('recording-time'), '0:01')
    await bar.getByRole('button', { name: '取消录音' }).click()
    await bar.waitFor({ state: 'detached' })

    // a photo from the tray (still open): it closes, the preview fits the 390 px screen, Send in reach
    await page.getByRole('toolbar', { name: /^更多/ }).waitFor()
    await page.getByTestId('file-input').setInputFiles({ name: 'phone.png', mimeType: 'image/png', buffer: photo })
    const preview = page.getByRole('dialog', { name: '发送图片' })
    await previewLoaded(page)
    expect(await page.getByRole('toolbar', { name: /^更多/ }).count()).toBe(0)
    await screenshot(page, 'phone-attachment-preview')
    const box = (await preview.boundingBox())!
    expect(box.x).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width).toBeLessThanOrEqual(390)
    const send = preview.getByRole('button', { name: '发送' })
    const sendBox = (await send.boundingBox())!
    expect(sendBox.y + sendBox.height).toBeLessThanOrEqual(844)
    await preview.getByRole('textbox', { name: '说明文字' }).fill('手机上发的')
    await send.click()
    await until('the phone photo stored', async () => (await ofType('image')).some((m) => m.content.caption === '手机上发的'))
    // the message box keeps its width afterwards
    expect((await page.getByRole('textbox', { name: '消息' }).boundingBox())!.width).toBeGreaterThan(220)
    expect((await ofType('voice')).length).toBe(voicesBefore + 1)
    await p.context.close()
  }, 90_000)
})
