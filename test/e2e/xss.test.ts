import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { pdfBytes, upload } from '../helpers/uploads.js'
import { browserSuite, openPage, skipBrowserTests, submitSignIn, until, type Watched } from './browser-harness.js'

/**
 * Script, attribute and URL payloads; each calls `__xss(<name>)` (a global the page defines
 * before any script of its own) if it ever runs. At most 64 characters: they fit in names.
 */
const CORPUS = [
  '<script>__xss("script")</script>',
  '<img src=x onerror=__xss("img")>',
  '"><svg onload=__xss("svg")>',
  `' autofocus onfocus='__xss("attr")`,
  `<a href="javascript:__xss('href')">click me</a>`,
  'javascript:__xss("url")',
  `<iframe srcdoc="<script>parent.__xss('frame')</script>">`,
  `{{constructor.constructor("__xss('template')")()}}`,
  `https://example.com/"onmouseover="__xss('link')`,
  '<details open ontoggle=__xss("details")>',
]

/** Installed before the page's scripts: records any payload that runs, any dialog, any CSP refusal. */
function installTraps(): void {
  const w = globalThis as any
  w.__xssHits = []
  w.__xss = (name: unknown) => w.__xssHits.push(`ran:${String(name)}`)
  for (const k of ['alert', 'confirm', 'prompt', 'print']) w[k] = (...args: unknown[]) => w.__xssHits.push(`${k}:${args.join(',')}`)
  // markup parsed as HTML but stopped by the CSP still counts: it would run under a weaker policy
  w.document.addEventListener('securitypolicyviolation', (e: any) => w.__xssHits.push(`csp:${e.violatedDirective}:${e.blockedURI}`))
}

/** Everything in the page that could run a script: on* attributes, script-like URLs, frames, scripts in the body. */
function dangerousMarkup(page: Page): Promise<string[]> {
  // in-page code goes through `globalThis as any`: the test project has no DOM types
  return page.evaluate(() => {
    const found: string[] = []
    for (const el of Array.from((globalThis as any).document.body.querySelectorAll('*')) as any[]) {
      const tag = el.tagName.toLowerCase()
      if (tag === 'script' || tag === 'iframe' || tag === 'object' || tag === 'embed') found.push(`<${tag}>`)
      for (const attr of Array.from(el.attributes) as Array<{ name: string; value: string }>) {
        if (/^on/i.test(attr.name)) found.push(`${tag}[${attr.name}]`)
        if (/^(href|src|action|formaction|xlink:href)$/i.test(attr.name) && /^\s*(javascript|data|vbscript):/i.test(attr.value)) {
          found.push(`${tag}[${attr.name}=${attr.value}]`)
        }
      }
    }
    return found
  })
}

describe.skipIf(skipBrowserTests)('web client in Chromium: an XSS corpus stays text everywhere it is shown', () => {
  const web = browserSuite({ app: { overrides: { 'messages.sendPerMinute': 100_000 } } })
  let victim: TestUser
  let w: Watched
  const consoleErrors: string[] = []

  beforeAll(async () => {
    victim = await createUser(web.url, 'victim', { nickname: 'Victim' })
    // each payload as a friend's nickname, in their direct chat, as a group's name and announcement,
    // and in that group as text with a link, a file name and a location label
    for (const [i, payload] of CORPUS.entries()) {
      const friend = await createUser(web.url, `xss${i}`, { nickname: payload })
      await befriend(victim, friend)
      const direct = await directConversation(friend, victim)
      await sendText(friend, direct, payload)
      const group = await victim.api.post('/groups', { name: payload, memberIds: [friend.id] })
      expect(group.status).toBe(201)
      const { id, conversationId } = group.body.group
      expect((await victim.api.patch(`/groups/${id}`, { announcement: payload })).status).toBe(200)
      const file = await upload(web.url, friend, pdfBytes(), { name: `${payload}.pdf`, kind: 'file' })
      expect(file.status).toBe(201)
      const post = (type: string, content: Record<string, unknown>) =>
        friend.api.post(`/conversations/${conversationId}/messages`, { clientMsgId: `${type}-${i}`, type, content })
      expect((await post('file', { fileId: file.body.fileId })).status).toBe(201)
      expect((await post('location', { lat: 48.8584, lng: 2.2945, name: payload })).status).toBe(201)
      await sendText(friend, conversationId, `${payload} see https://example.com/a?b=${i} and ${payload}`)
    }
    // the traps are installed before the app loads; the suite checks this page for errors and dialogs too
    w = await web.open({ url: 'about:blank' })
    await w.context.addInitScript(installTraps)
    w.page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })
    await w.page.goto(web.url)
    await submitSignIn(w.page, victim.username)
    await w.page.getByTestId('me-name').waitFor()
  }, 240_000)

  const hits = () => w.page.evaluate(() => (globalThis as any).__xssHits as string[])

  it('should list every payload as a conversation title and preview, as text', async () => {
    await w.page.getByRole('tab', { name: /^Chats/ }).click()
    // ten direct chats (titled by the friend's nickname), ten groups, and the world channel
    await until('21 conversations listed', async () => (await w.page.getByTestId('conversation-item').count()) === 21)
    const listed = await w.page.getByTestId('conversation-item').allTextContents()
    for (const payload of CORPUS) expect(listed.filter((text) => text.includes(payload)).length).toBeGreaterThanOrEqual(2)
    expect(await hits()).toEqual([])
  })

  it('should render messages, links, file names, location labels, group names and announcements as text', async () => {
    const items = w.page.getByTestId('conversation-item')
    let visited = 0
    for (let i = 0; i < 21; i++) {
      await items.nth(i).click()
      const title = ((await w.page.getByTestId('chat-title').textContent()) ?? '').trim()
      const payload = CORPUS.find((p) => title.includes(p))
      if (payload === undefined) {
        expect(title).toBe('World')
        continue
      }
      visited++
      await until(`messages of ${title}`, async () => (await w.page.getByTestId('message').count()) > 0)
      const shown = await w.page.getByTestId('message-list').innerText()
      expect(shown).toContain(payload)
      const details = w.page.getByRole('button', { name: 'Group details' })
      if ((await details.count()) > 0) {
        // a group: its file and location messages, then its announcement in the details panel
        await until(`file and location in ${title}`, async () => (await w.page.getByTestId('message').count()) >= 3)
        const inGroup = await w.page.getByTestId('message-list').innerText()
        // twice in the text message, once as the location label; the file name is its last path segment
        expect(inGroup.split(payload).length - 1, `payload shown in ${title}`).toBeGreaterThanOrEqual(3)
        expect(inGroup).toContain(payload.split('/').pop()!)
        await details.click()
        await until(`announcement of ${title}`, async () => (await w.page.locator('body').innerText()).split(payload).length > 3)
        await details.click()
      }
      // links point to http(s) only: the text link is clickable, the payload's fake one is not a link
      const hrefs = await w.page
        .getByTestId('message-list')
        .locator('a[href]')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')!))
      for (const href of hrefs) expect(href).toMatch(/^(https?:|blob:|\/)/)
      expect(await hits(), `after opening ${title}`).toEqual([])
    }
    expect(visited).toBe(20)
    await w.page.getByRole('tab', { name: /^Friends/ }).click()
    const friends = await w.page.locator('body').innerText()
    for (const payload of CORPUS) expect(friends).toContain(payload)
  }, 180_000)

  it('should have run nothing: no payload call, no dialog, no CSP refusal, no script-capable markup, no page error', async () => {
    // hovering and focusing everything would fire on* handlers if any had been parsed
    await w.page.getByRole('tab', { name: /^Chats/ }).click()
    await w.page.getByTestId('conversation-item').first().click()
    for (const el of await w.page.getByTestId('message').all()) await el.hover()
    expect(await hits()).toEqual([])
    expect(w.dialogs).toEqual([])
    expect(w.errors).toEqual([])
    expect(await dangerousMarkup(w.page)).toEqual([])
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([])
  })

  it('should catch a payload that is parsed as HTML (the traps work)', async () => {
    // not one of the suite's pages: it runs an injected payload on purpose
    const probe = await openPage(web.browser, 'about:blank')
    await probe.context.addInitScript(installTraps)
    await probe.page.goto(web.url)
    await probe.page.evaluate(() => {
      const doc = (globalThis as any).document
      const div = doc.createElement('div')
      div.innerHTML = '<img src=x onerror=__xss("probe")>'
      doc.body.append(div)
    })
    await until('the probe caught', async () => ((await probe.page.evaluate(() => (globalThis as any).__xssHits)) as string[]).length > 0)
    expect(await dangerousMarkup(probe.page)).toEqual(['img[onerror]'])
    await probe.context.close()
  })
})
