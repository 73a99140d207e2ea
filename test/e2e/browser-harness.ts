import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { expect } from 'vitest'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const WEB_ROOT = join(ROOT, 'dist/web')
export const SCREENSHOTS = join(ROOT, 'screenshots')
export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/** Resolves to 127.0.0.1 in the browser (see launchChromium): the app as on http://<LAN-IP>:port/. */
export const LAN_HOST = 'jim-lan.test'

/** Debian's Chromium, never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // a fake microphone that needs no permission prompt, for voice messages
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      // a name for this machine that is not localhost: a page over plain http there is not a
      // "potentially trustworthy" origin, as on a LAN address (see LAN_HOST)
      `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`,
    ],
  })
}

/** Builds the web client when dist/web is missing or older than a source file. */
export function ensureWebBuilt(): void {
  const index = join(WEB_ROOT, 'index.html')
  if (existsSync(index) && newestMtime(join(ROOT, 'web')) <= statSync(index).mtimeMs) return
  execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 120_000,
    // vitest sets NODE_ENV=test, which would make vite bundle React's development build
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (!existsSync(index)) throw new Error('vite build did not produce dist/web/index.html')
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Polls `check` until it returns true (or a truthy value), failing with `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T> | T, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as NonNullable<T>
      last = value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Waits until the locator's text equals (or matches) `expected`. */
export async function expectText(locator: Locator, expected: string | RegExp, timeoutMs = 15_000): Promise<void> {
  await until(
    `text ${expected}`,
    async () => {
      const text = (await locator.textContent({ timeout: 1000 })) ?? ''
      return typeof expected === 'string' ? text.trim() === expected : expected.test(text)
    },
    timeoutMs,
  )
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path })
  return path
}

/** The phone viewport the issue names (an iPhone 12-15 class screen). */
export const PHONE = { width: 390, height: 844 }

export interface Watched {
  context: BrowserContext
  page: Page
  /** uncaught exceptions in the page */
  errors: string[]
  /** alert/confirm/prompt dialogs the page opened (an XSS would show here) */
  dialogs: string[]
}

export async function openPage(
  browser: Browser,
  url: string,
  options: { locale?: string; viewport?: { width: number; height: number }; phone?: boolean } = {},
): Promise<Watched> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-US',
    viewport: options.viewport ?? (options.phone ? PHONE : { width: 1200, height: 760 }),
    deviceScaleFactor: 1,
    // a touch screen: (hover: none) and (pointer: coarse) match
    ...(options.phone ? { isMobile: true, hasTouch: true } : {}),
  })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const watched: Watched = { context, page, errors: [], dialogs: [] }
  page.on('pageerror', (err) => watched.errors.push(err.message))
  page.on('dialog', (d) => {
    watched.dialogs.push(d.message())
    void d.dismiss()
  })
  await page.goto(url)
  return watched
}

/** No page threw an uncaught error or opened a dialog (an XSS would). */
export function expectCleanPages(pages: readonly Watched[]): void {
  for (const p of pages) {
    expect(p.errors, 'uncaught errors in the page').toEqual([])
    expect(p.dialogs, 'dialogs opened by the page').toEqual([])
  }
}

/** Texts and seqs of the stored messages shown in the open chat, in DOM order. */
export async function shownMessages(page: Page): Promise<Array<{ seq: number; text: string }>> {
  return page.locator('[data-testid="message"][data-seq], [data-testid="system-message"]').evaluateAll((els) =>
    els.map((el) => ({
      seq: Number(el.getAttribute('data-seq')),
      text: (el.querySelector('.msg-text') ?? el.querySelector('span'))?.textContent ?? '',
    })),
  )
}

/**
 * A handle on the page's sockets (set up before the app loads): `cutSockets` drops them and makes
 * new ones fail, as a dead link would, until `restoreSockets`.
 */
export async function holdSockets(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const g = globalThis as any
    const Real = g.WebSocket
    g.sockets = []
    g.WebSocket = class extends Real {
      constructor(url: string, protocols?: string | string[]) {
        super(g.blockSockets ? 'ws://127.0.0.1:9/' : url, protocols)
        g.sockets.push(this)
      }
    }
  })
}

/** Drops the page's sockets (see `holdSockets`) and waits for the connection banner. */
export async function cutSockets(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as any
    g.blockSockets = true
    for (const s of g.sockets) s.close()
  })
  await page.getByTestId('connection-banner').waitFor()
}

/** Lets sockets through again, says the network is back, and waits until the banner is gone. */
export async function restoreSockets(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as any
    g.blockSockets = false
    g.dispatchEvent(new g.Event('online'))
  })
  await until('reconnected', async () => (await page.getByTestId('connection-banner').count()) === 0, 30_000)
}

/** Opens a chat from the list (English or Chinese UI) and waits for its title. */
export async function openChat(page: Page, title: string): Promise<void> {
  await page.getByRole('tab', { name: /^(Chats|聊天)/ }).click()
  await page.getByRole('button', { name: new RegExp(`^(Open|打开) ${title}`) }).click()
  await expectText(page.getByTestId('chat-title'), title)
}

/** Types a message into the composer and presses Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const input = page.getByRole('textbox', { name: /^(Message|消息)$/ })
  await input.fill(text)
  await input.press('Enter')
}

/** Waits until the open chat shows this text once, stored (not pending). */
export async function seesOnce(page: Page, text: string): Promise<void> {
  await until(`"${text}" in the chat`, async () => (await shownMessages(page)).filter((m) => m.text === text).length === 1)
}

const AXE_SOURCE = join(ROOT, 'node_modules/axe-core/axe.min.js')

/**
 * axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules),
 * one line each: rule, impact, and the first few elements. Evaluated through the DevTools
 * protocol, so the app's CSP (script-src 'self') does not block the engine.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => typeof (globalThis as any).axe !== 'undefined'))) await page.evaluate(readFileSync(AXE_SOURCE, 'utf8'))
  const violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> = await page.evaluate(async () => {
    const result = await (globalThis as any).axe.run((globalThis as any).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
      // experimental in axe-core (not run by default): it flags list buttons whose label
      // ("Open Alice, 2 unread") does not repeat the preview and time they also show
      rules: { 'label-content-name-mismatch': { enabled: false } },
    })
    return result.violations
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    )
}
