import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, STRONG_PASSWORD } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

describe('accounts and sessions', () => {
  let t: TestApp
  let anon: ApiClient
  beforeAll(async () => {
    t = await startTestApp()
    anon = new ApiClient(t.url)
  })
  afterAll(() => t.close())

  it('should register, lower-case the username and default the nickname', async () => {
    const res = await anon.post('/auth/register', { username: 'Carol_01', password: STRONG_PASSWORD })
    expect(res.status).toBe(201)
    expect(res.body.user).toMatchObject({ username: 'carol_01', nickname: 'carol_01', status: 'online', role: 'user' })
    expect(res.body.user.id).toMatch(/^[0-9A-Z]{26}$/)
    expect(res.body.user).not.toHaveProperty('passwordHash')
  })

  it('should refuse a taken username with 409 user.username_taken', async () => {
    await anon.post('/auth/register', { username: 'dupe_name', password: STRONG_PASSWORD })
    const res = await anon.post('/auth/register', { username: 'DUPE_NAME', password: STRONG_PASSWORD })
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('user.username_taken')
  })

  it.each([
    ['short', 'short1', 'too_short'],
    ['guessable', 'password123', 'too_guessable'],
  ])('should refuse a %s password with 422 and the reason', async (_label, password, reason) => {
    const res = await anon.post('/auth/register', { username: `weak_${reason}`, password })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('auth.weak_password')
    expect(res.body.error.details.reason).toBe(reason)
    expect(res.body.error.message.length).toBeGreaterThan(10)
  })

  it.each([
    [{ username: 'ab', password: STRONG_PASSWORD }, 'username'],
    [{ username: 'bad name!', password: STRONG_PASSWORD }, 'username'],
    [{ username: 'x'.repeat(33), password: STRONG_PASSWORD }, 'username'],
    [{ password: STRONG_PASSWORD }, 'username'],
    [{ username: 'okname', password: 'p'.repeat(129) }, 'password'],
    [{ username: 'okname', password: 42 }, 'password'],
    [{ username: 'okname', password: STRONG_PASSWORD, admin: true }, 'admin'],
  ])('should refuse a malformed registration %j with 400 naming the field', async (body, field) => {
    const res = await anon.post('/auth/register', body)
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('request.invalid')
    expect(JSON.stringify(res.body.error)).toContain(field)
  })

  it('should answer malformed JSON with 400 request.invalid_json and a request id', async () => {
    const res = await anon.request('POST', '/auth/login', '{"username":', { 'x-request-id': 'trace-123' })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('request.invalid_json')
    expect(res.headers.get('x-request-id')).toBe('trace-123')
  })

  it('should replace an unsafe x-request-id with a generated one', async () => {
    const res = await anon.request('GET', '/me', undefined, { 'x-request-id': 'bad id with spaces!' })
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9A-Z]{26}$/)
  })

  it('should refuse an oversize body with 413', async () => {
    const res = await anon.post('/auth/register', { username: 'big', password: 'x', nickname: 'n'.repeat(300_000) })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('request.too_large')
  })

  it('should log in and return a token that opens /me', async () => {
    const user = await createUser(t.url, 'dave')
    expect(user.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const me = await user.api.get('/me')
    expect(me.status).toBe(200)
    expect(me.body.username).toBe(user.username)
  })

  it('should answer unknown user and wrong password the same way', async () => {
    const user = await createUser(t.url, 'erin')
    const wrong = await anon.post('/auth/login', { username: user.username, password: 'not-the-password-1' })
    const unknown = await anon.post('/auth/login', { username: 'nobody_here', password: 'not-the-password-1' })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(wrong.body).toEqual(unknown.body)
    expect(wrong.body.error.code).toBe('auth.invalid_credentials')
  })

  it('should refuse requests without a valid token with 401', async () => {
    expect((await anon.get('/me')).body.error.code).toBe('auth.required')
    const bad = await anon.withToken('not-a-token').get('/me')
    expect(bad.status).toBe(401)
    expect(bad.body.error.code).toBe('auth.invalid_token')
  })

  it('should revoke the token on logout', async () => {
    const user = await createUser(t.url, 'frank')
    expect((await user.api.post('/auth/logout')).status).toBe(204)
    const after = await user.api.get('/me')
    expect(after.status).toBe(401)
    expect(after.body.error.code).toBe('auth.invalid_token')
  })

  it('should store only the SHA-256 of a token, never the token', async () => {
    const user = await createUser(t.url, 'gina')
    const db = (t.app.store as unknown as { sessions: unknown }) && t.database
    expect(db).toBeTruthy()
    const found = await t.app.store.sessions.findActiveByTokenHash(user.token, Date.now())
    expect(found).toBeNull()
  })

  it('should answer unknown routes with 404 route.not_found in the error shape', async () => {
    const res = await anon.get('/nope')
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('route.not_found')
  })
})
