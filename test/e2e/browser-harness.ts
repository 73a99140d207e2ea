import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { STRONG_PASSWORD, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const WEB_ROOT = join(ROOT, 'dist/web')
export const SCREENSHOTS = join(ROOT, 'screenshots')
export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
/**
 * Whether the browser suites skip: only off CI. With CI=true they run and fail at launch when
 * Chromium is missing (as the coturn and Redis Cluster tests do), so a CI run never passes
 * without its browser tests.
 */
export const skipBrowserTests = !hasChromium && process.env.CI !== 'true'

/** Resolves to 127.0.0.1 in the browser (see launchChromium): the app as on http://<LAN-IP>:port/. */
export const LAN_HOST = 'jim-lan.test'

/** Debian's Chromium, never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  if (!hasChromium)
    return Promise.reject(new Error(`${CHROMIUM} is missing: the browser tests need Debian's Chromium (apt-get install -y chromium)`))
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

/**
 * Fills and sends the sign-in form, English or Chinese (it does not wait for the app). A browser
 * that never signed in to this server opens on "Create account": the "Sign in" tab comes first.
 */
export async function submitSignIn(page: Page, username: string, password = STRONG_PASSWORD): Promise<void> {
  const tab = page.getByRole('tab', { name: /^(Sign in|登录)$/ })
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click()
  await page.getByLabel(/^(Username|用户名)$/).fill(username)
  await page.getByLabel(/^(Password|密码)$/).fill(password)
  await page.getByRole('button', { name: /^(Sign in|登录)$/ }).click()
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

type AppOptions = Omit<NonNullable<Parameters<typeof startTestApp>[0]>, 'webRoot'>

export interface BrowserSuiteOptions {
  /** the server's options (overrides, database...); a function runs in beforeAll, e.g. after starting coturn */
  app?: AppOptions | (() => AppOptions | Promise<AppOptions>)
  /** page errors that are expected (e.g. failed fetches while offline); the rest fail the suite */
  expectedPageErrors?: RegExp
}

/** What a `browserSuite` gives its tests once its beforeAll ran. */
export interface BrowserSuite {
  /** the JIM server serving the built web client */
  readonly t: TestApp
  readonly url: string
  readonly browser: Browser
  /** every page opened through `open`/`signIn`: checked for uncaught errors and dialogs after the suite */
  readonly pages: Watched[]
  /** Opens the app (or `url`) in a fresh browser context. */
  open(options?: Parameters<typeof openPage>[2] & { url?: string }): Promise<Watched>
  /** Opens the app and signs `user` in through the form, waiting for the signed-in screen. */
  signIn(user: TestUser, options?: Parameters<typeof openPage>[2]): Promise<Watched>
}

// One Chromium per test file, shared by its suites: counted when the suites are collected (before
// any hook runs), closed after the last one. A suite that is filtered out leaves it open until the
// test process exits, which ends Chromium too (its pipe closes).
let sharedBrowser: Promise<Browser> | undefined
let browserSuites = 0

/**
 * The common set-up of a Chromium test suite, called inside its `describe`: the built web client
 * (built once if missing or stale), one JIM server for the suite, the file's Chromium, and after the
 * suite: no page threw or opened a dialog, its contexts closed, the server stopped. Hooks the suite
 * adds after this call run after this set-up (users, chats) and before its teardown.
 */
export function browserSuite(options: BrowserSuiteOptions = {}): BrowserSuite {
  let t: TestApp | undefined
  let browser: Browser | undefined
  const pages: Watched[] = []
  browserSuites++

  beforeAll(async () => {
    ensureWebBuilt()
    const app = typeof options.app === 'function' ? await options.app() : (options.app ?? {})
    sharedBrowser ??= launchChromium()
    ;[t, browser] = await Promise.all([startTestApp({ ...app, webRoot: WEB_ROOT }), sharedBrowser])
  }, 180_000)

  afterAll(async () => {
    try {
      const expected = options.expectedPageErrors
      expectCleanPages(expected ? pages.map((p) => ({ ...p, errors: p.errors.filter((e) => !expected.test(e)) })) : pages)
    } finally {
      // the suite's pages would keep reconnecting to its stopped server while the next suite runs
      if (browser) await Promise.all(browser.contexts().map((c) => c.close()))
      if (--browserSuites === 0 && sharedBrowser) {
        const closing = sharedBrowser
        sharedBrowser = undefined
        // a launch that failed was reported by beforeAll already
        await (await closing.catch(() => undefined))?.close()
      }
      await t?.close()
    }
  })

  const suite: BrowserSuite = {
    get t() {
      if (!t) throw new Error('browserSuite: the server is not up yet (use it in tests or in a later beforeAll)')
      return t
    },
    get url() {
      return suite.t.url
    },
    get browser() {
      if (!browser) throw new Error('browserSuite: Chromium is not up yet (use it in tests or in a later beforeAll)')
      return browser
    },
    pages,
    async open(opts = {}) {
      const { url, ...rest } = opts
      const w = await openPage(suite.browser, url ?? suite.url, rest)
      pages.push(w)
      return w
    },
    async signIn(user, opts = {}) {
      const w = await suite.open(opts)
      await submitSignIn(w.page, user.username)
      await w.page.getByTestId('me-name').waitFor()
      return w
    },
  }
  return suite
}
