import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, STRONG_PASSWORD, type ApiResponse, type TestUser } from '../helpers/api-client.js'
import { SmtpInbox } from '../helpers/smtp-inbox.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

let seq = 0
const address = (name: string) => `${name}.${Date.now().toString(36)}${++seq}@example.com`
const NEW_PASSWORD = 'granite-Lantern-88-river'

/** The parts of an answer that may differ between two accounts: ids, names and times. */
function shape(res: ApiResponse): unknown {
  return JSON.parse(
    JSON.stringify({ status: res.status, body: res.body })
      .replace(/"[0-9A-HJKMNP-TV-Z]{26}"/g, '"<id>"')
      .replace(/"\d{4}-\d\d-\d\dT[^"]+"/g, '"<time>"')
      .replace(/"(username|nickname)":"[^"]*"/g, '"$1":"<name>"'),
  )
}

describe('no e-mail enumeration', () => {
  let t: TestApp
  let inbox: SmtpInbox
  let anon: ApiClient
  let holder: TestUser
  let heldAddress: string

  beforeAll(async () => {
    inbox = await new SmtpInbox().start()
    t = await startTestApp({ overrides: { 'smtp.host': '127.0.0.1', 'smtp.port': inbox.port } })
    anon = new ApiClient(t.url)
    holder = await createUser(t.url, 'holder')
    heldAddress = address('held')
    expect((await holder.api.post('/me/email', { email: heldAddress, password: STRONG_PASSWORD })).status).toBe(202)
    expect((await holder.api.post('/me/email/verify', { code: await inbox.codeFor(heldAddress) })).status).toBe(200)
  })
  afterAll(async () => {
    await t?.close()
    await inbox?.stop()
  })

  it('should register with a held address exactly as with a free one, binding it only by an e-mailed code', async () => {
    const free = address('free')
    const [withHeld, withFree] = await Promise.all([
      anon.post('/auth/register', { username: `enum_a${seq}`, password: STRONG_PASSWORD, email: heldAddress }),
      anon.post('/auth/register', { username: `enum_b${seq}`, password: STRONG_PASSWORD, email: free }),
    ])
    expect(withHeld.status).toBe(201)
    expect(shape(withHeld)).toEqual(shape(withFree))
    expect(withFree.body.user).toMatchObject({ email: null, emailVerified: false })
    // the holder keeps the address
    expect((await holder.api.get('/me')).body).toMatchObject({ email: heldAddress, emailVerified: true })

    // whoever reads the mailbox binds the free address with the code sent at registration
    const code = await inbox.codeFor(free)
    const fresh = await new ApiClient(t.url).post('/auth/login', { username: withFree.body.user.username, password: STRONG_PASSWORD })
    const verified = await new ApiClient(t.url, fresh.body.token).post('/me/email/verify', { code })
    expect(verified.status).toBe(200)
    expect(verified.body).toMatchObject({ email: free, emailVerified: true })
  })

  it('should answer a bind request for a held address like any other (the code decides)', async () => {
    const asker = await createUser(t.url, 'asker')
    const [held, free] = await Promise.all([
      asker.api.post('/me/email', { email: heldAddress, password: STRONG_PASSWORD }),
      asker.api.post('/me/email', { email: address('other'), password: STRONG_PASSWORD }),
    ])
    expect(held.status).toBe(202)
    expect(Object.keys(held.body).sort()).toEqual(Object.keys(free.body).sort())
  })

  it('should answer reset confirmations the same for known and unknown addresses', async () => {
    const unknown = address('unknown')
    // a live reset code for the known address: wrong guesses then use up real attempts
    const before = inbox.to(heldAddress).length
    expect((await anon.post('/auth/password-reset', { email: heldAddress })).status).toBe(202)
    await inbox.codeFor(heldAddress, before + 1)
    const tries = [
      { code: '000000', newPassword: NEW_PASSWORD },
      { code: '123456', newPassword: 'password1' },
      { code: '654321', newPassword: 'x' },
    ]
    for (const attempt of tries) {
      const [known, ghost] = await Promise.all([
        anon.post('/auth/password-reset/confirm', { email: heldAddress, ...attempt }),
        anon.post('/auth/password-reset/confirm', { email: unknown, ...attempt }),
      ])
      expect(known.status).toBeGreaterThanOrEqual(400)
      expect(shape(known)).toEqual(shape(ghost))
      expect(known.body.error.details?.attemptsLeft).toBeUndefined()
    }
  })
})
