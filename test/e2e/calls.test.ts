import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { coturnAvailable, startCoturn, type Coturn } from '../helpers/coturn.js'
import { befriend, createGroup } from '../helpers/social.js'
import { browserSuite, openChat, skipBrowserTests, until } from './browser-harness.js'

const SECRET = `e2e-turn-${Math.random().toString(36).slice(2)}`
type Stats = { inboundBytes: number; connected: number; relayed: number } | null

/** The call's media counters on a page (the client's `jimCall.stats()`: getStats over its peer connections). */
const stats = (page: Page): Promise<Stats> => page.evaluate(() => (globalThis as any).jimCall?.stats() ?? null)

/** Media flows into this page from `peers` others: connected to each, and inbound bytes still growing. */
async function mediaFlows(page: Page, peers: number, relayed = false): Promise<void> {
  const first = await until(`${peers} connected peer(s)`, async () => {
    const s = await stats(page)
    return s && s.connected === peers && s.inboundBytes > 0 && (!relayed || s.relayed === peers) ? s : null
  })
  await until('inbound bytes growing', async () => ((await stats(page))?.inboundBytes ?? 0) > first.inboundBytes + 2000)
}

/**
 * Calls in Chromium with fake media devices (issue 19): two users connect a video and a voice call
 * and media flows both ways; a 3-person group call connects every pair; and a call forced through
 * TURN (`iceTransportPolicy: relay`) runs through Debian's coturn with JIM's signed credentials.
 */
describe.skipIf(skipBrowserTests)('web client in Chromium: calls', () => {
  let coturn: Coturn | null = null
  const web = browserSuite({
    app: async () => {
      const turn = coturnAvailable('e2e calls') ? (coturn = await startCoturn(SECRET)) : null
      return { overrides: turn ? { 'calls.turnUrls': turn.url, 'calls.turnSecret': SECRET } : {} }
    },
  })
  let ann: TestUser
  let ben: TestUser
  let cat: TestUser
  const byUser = new Map<string, Page>()

  const signIn = async (user: TestUser): Promise<Page> => {
    const w = await web.signIn(user)
    byUser.set(user.id, w.page)
    return w.page
  }

  const hangUp = async (page: Page) => {
    await page.getByRole('button', { name: 'Hang up' }).click()
    await until('call screen closed', async () => (await page.getByTestId('call-screen').count()) === 0)
  }

  beforeAll(async () => {
    ann = await createUser(web.url, 'ann', { nickname: 'Ann' })
    ben = await createUser(web.url, 'ben', { nickname: 'Ben' })
    cat = await createUser(web.url, 'cat', { nickname: 'Cat' })
    await befriend(ann, ben)
    await befriend(ann, cat)
    await ann.api.sdk.direct(ben.id)
    await createGroup(ann, { name: 'Trio', memberIds: [ben.id, cat.id] })
  }, 180_000)

  afterAll(async () => {
    coturn?.stop()
  })

  it('should connect a video call and then a voice call between two browsers, media flowing both ways', async () => {
    const a = await signIn(ann)
    const b = await signIn(ben)
    for (const media of ['video', 'voice'] as const) {
      await openChat(a, 'Ben')
      await a.getByRole('button', { name: media === 'video' ? 'Video call' : 'Voice call' }).click()
      const dialog = b.getByTestId('incoming-call')
      await dialog.getByText(`Ann is calling you (${media})`).waitFor()
      await dialog.getByRole('button', { name: 'Accept' }).click()
      await Promise.all([mediaFlows(a, 1), mediaFlows(b, 1)])
      expect(await b.getByTestId('call-tile').count()).toBe(2)
      if (media === 'video') {
        // an ICE restart (what a network drop triggers) renegotiates through JIM and the media goes on
        const ufrags = (page: Page): Promise<string[]> => page.evaluate(() => (globalThis as any).jimCall.remoteIceUfrags())
        const before = await ufrags(a)
        const restarted =
          (await a.evaluate(() => (globalThis as any).jimCall.restartIce())) +
          (await b.evaluate(() => (globalThis as any).jimCall.restartIce()))
        expect(restarted).toBe(1)
        await until('new ICE credentials on the other side', async () => ((await ufrags(a))[0] !== before[0] ? true : null))
        await Promise.all([mediaFlows(a, 1), mediaFlows(b, 1)])
      }
      // Chromium's fake microphone beeps: Ann's tile shows her speaking on Ben's screen
      await b.locator(`[data-testid="call-tile"][data-user="${ann.id}"].speaking`).waitFor()
      await hangUp(a)
      await until('call ended on the other side', async () => (await b.getByTestId('call-screen').count()) === 0)
    }
    // the history tells it, in the callee's language of the UI
    await openChat(b, 'Ann')
    const lines = b.getByTestId('system-message')
    await lines.filter({ hasText: /^Video call, \d+ s$/ }).waitFor()
    await lines.filter({ hasText: /^Voice call, \d+ s$/ }).waitFor()
  }, 120_000)

  it('should connect every pair of a 3-person group call', async () => {
    const a = byUser.get(ann.id)!
    const b = byUser.get(ben.id)!
    const c = await signIn(cat)
    await openChat(a, 'Trio')
    await a.getByRole('button', { name: 'Voice call' }).click()
    for (const page of [b, c]) {
      const dialog = page.getByTestId('incoming-call')
      await dialog.waitFor()
      await dialog.getByRole('button', { name: 'Accept' }).click()
    }
    await Promise.all([mediaFlows(a, 2), mediaFlows(b, 2), mediaFlows(c, 2)])
    for (const page of [a, b, c]) expect(await page.getByTestId('call-tile').count()).toBe(3)
    for (const page of [c, b, a]) await hangUp(page)
  }, 120_000)

  it.runIf(coturnAvailable('e2e calls'))(
    'should run a call through TURN only, with the credentials JIM signed',
    async () => {
      const a = byUser.get(ann.id)!
      const b = byUser.get(ben.id)!
      for (const page of [a, b]) await page.evaluate(() => (globalThis as any).localStorage.setItem('jim.callRelayOnly', '1'))
      await openChat(a, 'Ben')
      await a.getByRole('button', { name: 'Video call' }).click()
      await b.getByTestId('incoming-call').getByRole('button', { name: 'Accept' }).click()
      await Promise.all([mediaFlows(a, 1, true), mediaFlows(b, 1, true)])
      await hangUp(b)
      for (const page of [a, b]) await page.evaluate(() => (globalThis as any).localStorage.removeItem('jim.callRelayOnly'))
    },
    120_000,
  )
})
