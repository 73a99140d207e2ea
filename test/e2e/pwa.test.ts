import type { Page, Worker } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { FakePushService } from '../helpers/fake-push-service.js'
import { browserSuite, expectText, skipBrowserTests, submitSignIn, until } from './browser-harness.js'

/**
 * The installable app in Chromium: the manifest and icons are served, the service worker
 * registers and caches the shell, the app opens without a network and says it is offline, and
 * a push delivered to the worker (DevTools `ServiceWorker.deliverPushMessage`) shows a
 * notification whose click opens the chat.
 */
describe.skipIf(skipBrowserTests)('installable web app (PWA) in Chromium', () => {
  const web = browserSuite({
    app: { overrides: { 'push.allowInsecureEndpoints': true, 'push.unreadDelaySeconds': 0 } },
    // the offline reload: the app's own requests fail while the network is gone
    expectedPageErrors: /Failed to fetch|NetworkError/,
  })
  let ann: TestUser
  let bob: TestUser
  let conv = ''
  let push: FakePushService

  beforeAll(async () => {
    push = await new FakePushService().start()
    ann = await createUser(web.url, 'pwaann', { nickname: 'Ann' })
    bob = await createUser(web.url, 'pwabob', { nickname: 'Bob' })
    await befriend(ann, bob)
    conv = await directConversation(ann, bob)
  }, 180_000)

  afterAll(async () => {
    await push?.stop()
  })

  it('should serve a manifest with installable icons', async () => {
    const res = await fetch(`${web.url}/manifest.webmanifest`)
    expect(res.status).toBe(200)
    const manifest = (await res.json()) as { start_url: string; display: string; icons: Array<{ src: string; sizes: string }> }
    expect(manifest).toMatchObject({ start_url: '/', display: 'standalone' })
    const large = manifest.icons.find((i) => i.sizes === '512x512')
    expect(large).toBeDefined()
    const icon = await fetch(`${web.url}${large!.src}`)
    expect(icon.headers.get('content-type')).toBe('image/png')
  })

  it('should open without a network, say it is offline, and open the chat a clicked push notification names', async () => {
    const { page, context } = await web.signIn(ann)
    const worker = await activeWorker(page)

    // the shell is cached: with the network gone, a reload still shows the app, which says it is offline
    await context.setOffline(true)
    await page.reload()
    await expectText(page.getByTestId('offline-screen').locator('strong'), 'You are offline')
    expect(await page.getByRole('alert').count(), 'no pile of "cannot reach the server" errors').toBe(0)
    // back online: the app starts over by itself
    await context.setOffline(false)
    await page.getByTestId('me-name').waitFor()
    await until('the socket connected', async () => (await page.getByTestId('connection-banner').count()) === 0, 30_000)

    // a push as JIM sends it, delivered by the browser's push machinery to the worker
    const cdp = await context.newCDPSession(page)
    const registrations: Array<{ registrationId: string; scopeURL: string }> = []
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: typeof registrations }) =>
      registrations.push(...e.registrations),
    )
    await cdp.send('ServiceWorker.enable')
    const registration = await until('the worker registration', () => registrations.find((r) => r.scopeURL === `${web.url}/`))
    await context.grantPermissions(['notifications'], { origin: web.url })
    const payload = { kind: 'message', tag: `c:${conv}`, conversationId: conv, title: 'Bob', body: 'are you there?' }
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: web.url,
      registrationId: registration.registrationId,
      data: JSON.stringify(payload),
    })
    const shown = await until('a notification', () =>
      worker.evaluate(async () => {
        const list = await (globalThis as any).registration.getNotifications()
        return list.map((n: any) => ({ title: n.title, body: n.body, tag: n.tag }))[0] ?? null
      }),
    )
    expect(shown).toEqual({ title: 'Bob', body: 'are you there?', tag: `c:${conv}` })

    // the click goes to the open window, which opens that chat
    await page.getByRole('tab', { name: 'Friends' }).click()
    await worker.evaluate(async () => {
      const [n] = await (globalThis as any).registration.getNotifications()
      ;(globalThis as any).dispatchEvent(new (globalThis as any).NotificationEvent('notificationclick', { notification: n }))
    })
    await expectText(page.getByTestId('chat-title'), 'Bob')

    // a "clear" push (the chat was read on another device) closes it
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: web.url,
      registrationId: registration.registrationId,
      data: JSON.stringify({ kind: 'clear', tag: `c:${conv}` }),
    })
    await until('the notification closed', () =>
      worker.evaluate(async () => (await (globalThis as any).registration.getNotifications()).length === 0),
    )
  })

  it('should turn notifications on from Settings and register this device, which then gets pushes for new messages', async () => {
    const { page, context } = await web.open()
    // headless Chromium has no push service: the page's pushManager hands out a subscription to the test's
    const device = push.device('browser')
    await context.addInitScript((sub: { endpoint: string; keys: { p256dh: string; auth: string } }) => {
      const g = globalThis as any
      const proto = g.PushManager?.prototype
      if (!proto) return
      let current: any = null
      proto.getSubscription = async () => current
      proto.subscribe = async (options: any) => {
        current = { options, toJSON: () => sub, unsubscribe: async () => ((current = null), true) }
        return current
      }
    }, device.subscription())
    await context.grantPermissions(['notifications'], { origin: web.url })
    await page.reload()
    await submitSignIn(page, bob.username)
    await page.getByTestId('me-name').waitFor()
    await page.getByRole('button', { name: 'Settings' }).click()
    const section = page.getByTestId('notification-settings')
    await section.getByRole('button', { name: 'Turn on notifications on this device' }).click()
    await expectText(section.getByTestId('push-state'), 'This device is notified of new messages while JIM is closed.')
    await section.getByRole('checkbox', { name: 'Show message text in notifications' }).waitFor()

    // Bob closes JIM; Ann writes: the push reaches the push service, encrypted for this device
    await context.close()
    await sendText(ann, conv, 'did you get this?')
    await web.t.app.notifications.notifier.idle()
    expect(push.to(device.name)).toEqual([
      { kind: 'message', tag: `c:${conv}`, conversationId: conv, title: 'Ann', body: 'did you get this?' },
    ])
  })
})

/** Waits until the service worker controls the page and returns a handle that evaluates inside it. */
async function activeWorker(page: Page): Promise<Worker> {
  await page.evaluate(() => (globalThis as any).navigator.serviceWorker.ready)
  return until('the service worker', () =>
    page
      .context()
      .serviceWorkers()
      .find((w) => w.url().endsWith('/sw.js')),
  )
}
