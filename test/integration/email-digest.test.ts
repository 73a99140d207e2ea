import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/shared/clock.js'
import { createUser, STRONG_PASSWORD, type TestUser } from '../helpers/api-client.js'
import { SmtpInbox, type ReceivedMail } from '../helpers/smtp-inbox.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const MINUTE = 60_000

/** The text body of a mail as nodemailer encoded it (quoted-printable or base64). */
function bodyOf(mail: ReceivedMail): string {
  const [head, ...rest] = mail.raw.split(/\r?\n\r?\n/)
  const body = rest.join('\n\n')
  if (/content-transfer-encoding: base64/i.test(head!)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  const unfolded = body.replace(/=\r?\n/g, '')
  return Buffer.from(
    unfolded.replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8')
}

/**
 * The e-mail digest through the suite's in-process SMTP server, on a manual clock: sent once
 * messages stayed unread for the delay (30 min), at most once per interval, never about the same
 * messages twice, and stopped by the signed link without signing in.
 */
describe('e-mail digest of unread messages', () => {
  let t: TestApp
  let inbox: SmtpInbox
  let ann: TestUser
  let bob: TestUser
  let conv = ''
  const clock = new ManualClock(Date.now())
  const email = `bob.${Date.now().toString(36)}@example.com`
  const run = () => t.app.notifications.digest.runOnce()

  beforeAll(async () => {
    inbox = await new SmtpInbox().start()
    t = await startTestApp({
      clock,
      overrides: { 'smtp.host': '127.0.0.1', 'smtp.port': inbox.port, 'smtp.from': 'JIM Test <jim@test.example>' },
    })
    ann = await createUser(t.url, 'dann', { nickname: 'Ann' })
    bob = await createUser(t.url, 'dbob', { nickname: 'Bob' })
    await befriend(ann, bob)
    conv = await directConversation(ann, bob)
    expect((await bob.api.post('/me/email', { email, password: STRONG_PASSWORD })).status).toBe(202)
    expect((await bob.api.post('/me/email/verify', { code: await inbox.codeFor(email) })).status).toBe(200)
  })

  afterAll(async () => {
    await t?.close()
    await inbox?.stop()
  })

  it('should mail a digest once messages stayed unread for the delay, once per interval, and stop by the signed link', async () => {
    await sendText(ann, conv, 'before opting in')
    expect((await bob.api.patch('/me/notification-settings', { emailDigest: true })).body.emailDigest).toBe(true)
    const mailsBefore = inbox.to(email).length

    clock.advance(10 * MINUTE)
    expect(await run()).toBe(0)
    clock.advance(25 * MINUTE)
    expect(await run()).toBe(1)
    const mail = inbox.to(email).at(-1)!
    expect(inbox.to(email)).toHaveLength(mailsBefore + 1)
    const text = bodyOf(mail)
    expect(text).toContain('- Ann: 1 unread')
    const link = /(http\S+\/api\/v1\/notifications\/unsubscribe\?\S+)/.exec(text)![1]!

    // nothing new: no second mail, however long
    clock.advance(120 * MINUTE)
    expect(await run()).toBe(0)
    // a new message, unread past the delay: a new digest (the interval has passed)
    await sendText(ann, conv, 'still there?')
    clock.advance(31 * MINUTE)
    expect(await run()).toBe(1)
    expect(bodyOf(inbox.to(email).at(-1)!)).toContain('- Ann: 2 unread')
    // within the interval: none, even with more unread
    await sendText(ann, conv, 'hello again')
    clock.advance(31 * MINUTE)
    expect(await run()).toBe(0)

    // the link works without a session; a tampered one is refused
    const path = new URL(link).pathname + new URL(link).search
    const tampered = await fetch(`${t.url}${path.replace(/s=[^&]+/, 's=AAAA')}`)
    expect(tampered.status).toBe(400)
    expect(((await tampered.json()) as any).error.code).toBe('email.unsubscribe_invalid')
    const page = await fetch(`${t.url}${path}`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('no more e-mail digests')
    expect((await bob.api.get('/me/notification-settings')).body.emailDigest).toBe(false)
    clock.advance(120 * MINUTE)
    expect(await run()).toBe(0)
  })

  it('should never mail a user without a verified address', async () => {
    const cid = await createUser(t.url, 'dcid', { nickname: 'Cid' })
    await befriend(ann, cid)
    const direct = await directConversation(ann, cid)
    await cid.api.patch('/me/notification-settings', { emailDigest: true })
    // no verified address: never mailed
    await sendText(ann, direct, 'for Cid')
    clock.advance(40 * MINUTE)
    expect(await run()).toBe(0)
  })
})
