import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/shared/clock.js'
import { ApiClient, createUser, login, STRONG_PASSWORD, type TestUser } from '../helpers/api-client.js'
import { SmtpInbox } from '../helpers/smtp-inbox.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

const NEW_PASSWORD = 'granite-Lantern-88-river'
let seq = 0
const address = (name: string) => `${name}.${Date.now().toString(36)}${++seq}@example.com`

describe('e-mail binding and password reset over a real SMTP server', () => {
  let t: TestApp
  let inbox: SmtpInbox
  let anon: ApiClient
  const clock = new ManualClock(Date.now())

  /** Binds a verified address through the API, reading the code from the SMTP server. */
  async function bind(user: TestUser, email: string): Promise<void> {
    expect((await user.api.post('/me/email', { email, password: STRONG_PASSWORD })).status).toBe(202)
    const res = await user.api.post('/me/email/verify', { code: await inbox.codeFor(email) })
    expect(res.status).toBe(200)
  }

  beforeAll(async () => {
    inbox = await new SmtpInbox().start()
    t = await startTestApp({
      clock,
      overrides: {
        'smtp.host': '127.0.0.1',
        'smtp.port': inbox.port,
        'smtp.from': 'JIM Test <jim@test.example>',
        'rateLimit.emailPerHour': 3,
      },
    })
    anon = new ApiClient(t.url)
  })
  afterAll(async () => {
    await t.close()
    await inbox.stop()
  })

  it('should send a 6-digit code by SMTP and bind the address when it is entered', async () => {
    const user = await createUser(t.url, 'mailer')
    const other = await login(t.url, user.username)
    const otherSock = await TestSocket.open(t.wsUrl, { token: other.token })
    const email = address('Mailer')

    const sent = await user.api.post('/me/email', { email, password: STRONG_PASSWORD })
    expect(sent.status).toBe(202)
    expect(sent.body.email).toBe(email.toLowerCase())
    expect(Date.parse(sent.body.expiresAt) - clock.now()).toBe(15 * 60_000)
    const code = await inbox.codeFor(email.toLowerCase())
    const mail = inbox.to(email.toLowerCase())[0]!
    expect(mail.from).toBe('jim@test.example')
    expect(mail.raw).toMatch(/Subject: Your JIM verification code/)
    expect((await user.api.get('/me')).body).toMatchObject({ email: null, emailVerified: false })

    const wrongCode = code === '000000' ? '000001' : '000000'
    const wrong = await user.api.post('/me/email/verify', { code: wrongCode })
    expect(wrong.status).toBe(422)
    expect(wrong.body.error.code).toBe('email.code_invalid')
    expect(wrong.body.error.details.attemptsLeft).toBe(4)

    const ok = await user.api.post('/me/email/verify', { code })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ id: user.id, email: email.toLowerCase(), emailVerified: true })
    // (my own profile: the SelfUser shape of user.updated, with the e-mail)
    expect((await otherSock.next('user.updated')).user).toMatchObject({ id: user.id, email: email.toLowerCase() })
    const reused = await user.api.post('/me/email/verify', { code })
    expect(reused.body.error.code).toBe('email.code_invalid')
    otherSock.close()
  })

  it('should need the current password to send a code', async () => {
    const user = await createUser(t.url, 'nopass')
    const email = address('nopass')
    const res = await user.api.post('/me/email', { email, password: 'not-my-Password-1' })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('auth.wrong_password')
    expect(inbox.to(email)).toHaveLength(0)
  })

  it('should void a code after 5 wrong guesses, even for the right code afterwards', async () => {
    const user = await createUser(t.url, 'guesser')
    const email = address('guesser')
    await user.api.post('/me/email', { email, password: STRONG_PASSWORD })
    const code = await inbox.codeFor(email)
    const wrongCode = code === '123456' ? '654321' : '123456'
    const left: number[] = []
    for (let i = 0; i < 5; i++) left.push((await user.api.post('/me/email/verify', { code: wrongCode })).body.error.details.attemptsLeft)
    expect(left).toEqual([4, 3, 2, 1, 0])
    const late = await user.api.post('/me/email/verify', { code })
    expect(late.status).toBe(422)
    expect(late.body.error.code).toBe('email.code_invalid')
    expect((await user.api.get('/me')).body.emailVerified).toBe(false)
  })

  it('should expire a code after 15 minutes, and a new code replaces the old one', async () => {
    const user = await createUser(t.url, 'expiry')
    const email = address('expiry')
    await user.api.post('/me/email', { email, password: STRONG_PASSWORD })
    const first = await inbox.codeFor(email, 1)
    clock.advance(15 * 60_000 + 1)
    expect((await user.api.post('/me/email/verify', { code: first })).body.error.code).toBe('email.code_invalid')

    await user.api.post('/me/email', { email, password: STRONG_PASSWORD })
    const second = await inbox.codeFor(email, 2)
    await user.api.post('/me/email', { email, password: STRONG_PASSWORD })
    const third = await inbox.codeFor(email, 3)
    if (second !== third) expect((await user.api.post('/me/email/verify', { code: second })).status).toBe(422)
    expect((await user.api.post('/me/email/verify', { code: third })).status).toBe(200)
  })

  it('should limit code sends per user with 429 and Retry-After', async () => {
    const user = await createUser(t.url, 'spammer')
    for (let i = 0; i < 3; i++)
      expect((await user.api.post('/me/email', { email: address('spam'), password: STRONG_PASSWORD })).status).toBe(202)
    const limited = await user.api.post('/me/email', { email: address('spam'), password: STRONG_PASSWORD })
    expect(limited.status).toBe(429)
    expect(limited.body.error.code).toBe('rate_limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('should send a code for an address another account verified, and refuse to bind it (409) only after the code', async () => {
    const owner = await createUser(t.url, 'owner')
    const email = address('owned')
    await bind(owner, email)
    const rival = await createUser(t.url, 'rival')
    const asked = await rival.api.post('/me/email', { email, password: STRONG_PASSWORD })
    expect(asked.status).toBe(202)
    const taken = await rival.api.post('/me/email/verify', { code: await inbox.codeFor(email, 2) })
    expect(taken.status).toBe(409)
    expect(taken.body.error.code).toBe('user.email_taken')
    expect((await owner.api.get('/me')).body).toMatchObject({ email, emailVerified: true })
  })

  it('should bind an address typed at registration only once its e-mailed code is entered', async () => {
    const claimed = address('claimed')
    const newcomer = await createUser(t.url, 'newcomer', { email: claimed })
    expect((await newcomer.api.get('/me')).body).toMatchObject({ email: null, emailVerified: false })
    const verified = await newcomer.api.post('/me/email/verify', { code: await inbox.codeFor(claimed) })
    expect(verified.status).toBe(200)
    expect(verified.body).toMatchObject({ email: claimed, emailVerified: true })
  })

  it('should reset the password with an e-mailed code and close every device with 4001', async () => {
    const user = await createUser(t.url, 'forgetful')
    const email = address('forgetful')
    await bind(user, email)
    const tablet = await login(t.url, user.username)
    const sockA = await TestSocket.open(t.wsUrl, { token: user.token })
    const sockB = await TestSocket.open(t.wsUrl, { token: tablet.token })

    const asked = await anon.post('/auth/password-reset', { email: email.toUpperCase() })
    expect(asked.status).toBe(202)
    const code = await inbox.codeFor(email, 2)
    expect(inbox.to(email)[1]!.raw).toMatch(/Subject: Your JIM password reset code/)

    const weak = await anon.post('/auth/password-reset/confirm', { email, code, newPassword: 'password1' })
    expect(weak.status).toBe(422)
    expect(weak.body.error.code).toBe('auth.weak_password')
    const wrongCode = code === '111111' ? '222222' : '111111'
    const wrong = await anon.post('/auth/password-reset/confirm', { email, code: wrongCode, newPassword: NEW_PASSWORD })
    expect(wrong.body.error.code).toBe('email.code_invalid')
    const otherAddress = await anon.post('/auth/password-reset/confirm', { email: address('x'), code, newPassword: NEW_PASSWORD })
    expect(otherAddress.body.error.code).toBe('email.code_invalid')

    const done = await anon.post('/auth/password-reset/confirm', { email, code, newPassword: NEW_PASSWORD })
    expect(done.status).toBe(204)
    for (const sock of [sockA, sockB]) {
      expect((await sock.next('session.revoked')).reason).toBe('password_reset')
      expect((await sock.closed).code).toBe(4001)
    }
    expect((await user.api.get('/me')).status).toBe(401)
    expect((await tablet.api.get('/me')).status).toBe(401)
    expect((await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })).status).toBe(401)
    expect((await anon.post('/auth/login', { username: user.username, password: NEW_PASSWORD })).status).toBe(200)
    const again = await anon.post('/auth/password-reset/confirm', { email, code, newPassword: 'yet-Another-pass-55' })
    expect(again.body.error.code).toBe('email.code_invalid')
  })

  it('should answer the same for unknown and unverified addresses and send nothing', async () => {
    const known = await createUser(t.url, 'known')
    const knownEmail = address('known')
    await bind(known, knownEmail)
    const unverified = address('unverified')
    await createUser(t.url, 'unverif', { email: unverified })
    const unknown = address('unknown')

    const answers = await Promise.all([knownEmail, unverified, unknown].map((email) => anon.post('/auth/password-reset', { email })))
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202])
    expect(answers[1]!.body).toEqual(answers[0]!.body)
    expect(answers[2]!.body).toEqual(answers[0]!.body)
    await inbox.codeFor(knownEmail, 2)
    await new Promise((r) => setTimeout(r, 300))
    // the unverified address got its binding code at registration, and no reset code
    expect(inbox.to(unverified).filter((m) => /password reset/.test(m.raw))).toHaveLength(0)
    expect(inbox.to(unknown)).toHaveLength(0)
  })

  it('should store only an HMAC of each code', async () => {
    const user = await createUser(t.url, 'hashed')
    const email = address('hashed')
    await user.api.post('/me/email', { email, password: STRONG_PASSWORD })
    const code = await inbox.codeFor(email)
    const row = await t.app.store.emailCodes.findLive(user.id, 'email', clock.now())
    expect(row!.codeHash).toMatch(/^[0-9a-f]{64}$/)
    expect(row!.codeHash).not.toContain(code)
  })
})

describe('when the SMTP server is down', () => {
  it('should answer 503 email.send_failed with Retry-After', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo
        probe.close(() => resolve(port))
      })
    })
    const t = await startTestApp({ overrides: { 'smtp.host': '127.0.0.1', 'smtp.port': port } })
    try {
      const user = await createUser(t.url, 'nosmtp')
      const res = await user.api.post('/me/email', { email: address('down'), password: STRONG_PASSWORD })
      expect(res.status).toBe(503)
      expect(res.body.error.code).toBe('email.send_failed')
      expect(res.headers.get('retry-after')).toBe('30')
    } finally {
      await t.close()
    }
  })
})
