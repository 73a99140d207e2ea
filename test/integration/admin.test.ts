import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runAdminCreate } from '../../src/cli-commands.js'
import { ApiClient, createUser, login, STRONG_PASSWORD, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('administration', () => {
  let t: TestApp
  let admin: TestUser
  let anon: ApiClient

  /** The newest audit entries, as an admin reads them. */
  async function latestAudit(n = 1) {
    const res = await admin.api.get(`/admin/audit-log?limit=${n}`)
    expect(res.status).toBe(200)
    return res.body.items
  }

  beforeAll(async () => {
    t = await startTestApp()
    anon = new ApiClient(t.url)
    const registered = await createUser(t.url, 'boss')
    // the real `jim admin create <username>` against the app's database
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    expect(await runAdminCreate(t.app.config, registered.username)).toBe(0)
    log.mockRestore()
    admin = await login(t.url, registered.username)
  })
  afterAll(() => t.close())

  it('should make the user an admin with `jim admin create`', async () => {
    expect((await admin.api.get('/me')).body.role).toBe('admin')
  })

  it('should refuse every admin route to non-admins with 403 auth.forbidden', async () => {
    const user = await createUser(t.url, 'plain')
    const target = await createUser(t.url, 'target')
    const calls = [
      user.api.get('/admin/users'),
      user.api.get(`/admin/users/${target.id}`),
      user.api.post(`/admin/users/${target.id}/disable`, {}),
      user.api.post(`/admin/users/${target.id}/enable`, {}),
      user.api.request('DELETE', `/admin/users/${target.id}`, {}),
      user.api.get('/admin/registration'),
      user.api.patch('/admin/registration', { open: false }),
      user.api.get('/admin/audit-log'),
    ]
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(403)
      expect(res.body.error.code).toBe('auth.forbidden')
    }
    expect((await anon.get('/admin/users')).status).toBe(401)
    expect((await target.api.get('/me')).status).toBe(200)
  })

  it('should list and search users of every state, newest first, paged', async () => {
    const a = await createUser(t.url, 'zlist')
    const b = await createUser(t.url, 'zlist')
    const c = await createUser(t.url, 'zlist')
    await t.app.store.accounts.setVerifiedEmail(c.id, 'zlist-c@example.com', Date.now())
    await admin.api.post(`/admin/users/${b.id}/disable`, {})
    const first = await admin.api.get('/admin/users?q=zlist&limit=2')
    expect(first.status).toBe(200)
    expect(first.body.items.map((u: { id: string }) => u.id)).toEqual([c.id, b.id])
    expect(first.body.items[0]).toMatchObject({ username: c.username, email: 'zlist-c@example.com', state: 'active', role: 'user' })
    expect(first.body.items[1].state).toBe('disabled')
    const second = await admin.api.get(`/admin/users?q=zlist&limit=2&cursor=${first.body.nextCursor}`)
    expect(second.body.items.map((u: { id: string }) => u.id)).toEqual([a.id])
    expect(second.body.nextCursor).toBeNull()
    const disabled = await admin.api.get('/admin/users?q=zlist&state=disabled')
    expect(disabled.body.items.map((u: { id: string }) => u.id)).toEqual([b.id])
    const byEmail = await admin.api.get('/admin/users?q=ZLIST-C@example.com')
    expect(byEmail.body.items.map((u: { id: string }) => u.id)).toEqual([c.id])
    expect((await admin.api.get(`/admin/users/${a.id}`)).body.username).toBe(a.username)
    expect((await admin.api.get('/admin/users/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404)
  })

  it('should disable a user: sockets closed with 4001 at once, login refused, token dead; and enable again', async () => {
    const user = await createUser(t.url, 'naughty')
    const sock = await TestSocket.open(t.wsUrl, { token: user.token })
    expect((await user.api.get('/me')).status).toBe(200) // cached principal: must be evicted, not waited out

    const res = await admin.api.post(`/admin/users/${user.id}/disable`, { reason: 'spam' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: user.id, state: 'disabled' })
    expect((await sock.next('session.revoked')).reason).toBe('account_disabled')
    expect((await sock.closed).code).toBe(4001)
    const me = await user.api.get('/me')
    expect(me.status).toBe(401)
    expect(me.body.error.code).toBe('auth.invalid_token')
    const relogin = await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })
    expect(relogin.status).toBe(422)
    expect(relogin.body.error.code).toBe('auth.account_disabled')

    const [entry] = await latestAudit()
    expect(entry).toMatchObject({
      actorId: admin.id,
      action: 'user.disabled',
      targetId: user.id,
      details: { username: user.username, reason: 'spam', previousState: 'active' },
    })

    const enabled = await admin.api.post(`/admin/users/${user.id}/enable`, {})
    expect(enabled.body.state).toBe('active')
    expect((await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })).status).toBe(200)
    expect((await user.api.get('/me')).status).toBe(401) // old sessions stay revoked
    expect((await latestAudit())[0]).toMatchObject({ action: 'user.enabled', targetId: user.id })
  })

  it('should delete a user: anonymized, signed out, username kept, audited', async () => {
    const user = await createUser(t.url, 'doomed', { nickname: 'Doomed Dan' })
    const sock = await TestSocket.open(t.wsUrl, { token: user.token })
    const res = await admin.api.request('DELETE', `/admin/users/${user.id}`, { reason: 'asked by e-mail' })
    expect(res.status).toBe(204)
    expect((await sock.closed).code).toBe(4001)
    expect(sock.all('session.revoked')[0].reason).toBe('account_deleted')
    const view = await admin.api.get(`/admin/users/${user.id}`)
    expect(view.body).toMatchObject({ state: 'deleted', nickname: '', email: null, username: user.username })
    expect((await anon.post('/auth/login', { username: user.username, password: STRONG_PASSWORD })).status).toBe(401)
    expect((await latestAudit())[0]).toMatchObject({ action: 'user.deleted', targetId: user.id, details: { reason: 'asked by e-mail' } })

    const twice = await admin.api.request('DELETE', `/admin/users/${user.id}`, {})
    expect(twice.status).toBe(409)
    expect(twice.body.error.code).toBe('admin.user_deleted')
    expect((await admin.api.post(`/admin/users/${user.id}/disable`, {})).status).toBe(409)
  })

  it('should not let admins disable or delete themselves (400 admin.self)', async () => {
    const before = (await latestAudit())[0]
    for (const res of [
      await admin.api.post(`/admin/users/${admin.id}/disable`, {}),
      await admin.api.request('DELETE', `/admin/users/${admin.id}`, {}),
    ]) {
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('admin.self')
    }
    expect((await admin.api.get('/me')).status).toBe(200)
    expect((await latestAudit())[0].id).toBe(before.id)
  })

  it('should open and close registration at run time, and set its window, all audited', async () => {
    const closed = await admin.api.patch('/admin/registration', { open: false })
    expect(closed.status).toBe(200)
    expect(closed.body).toMatchObject({ open: false, openNow: false })
    const refused = await anon.post('/auth/register', { username: 'late_comer', password: STRONG_PASSWORD })
    expect(refused.status).toBe(422)
    expect(refused.body.error.code).toBe('auth.registration_closed')
    expect((await latestAudit())[0]).toMatchObject({ action: 'registration.updated', targetId: null, details: { open: false } })

    await admin.api.patch('/admin/registration', { open: true })
    expect((await anon.post('/auth/register', { username: 'late_comer', password: STRONG_PASSWORD })).status).toBe(201)

    const future = new Date(Date.now() + 3600_000).toISOString()
    const windowed = await admin.api.patch('/admin/registration', { opensAt: future, closesAt: null })
    expect(windowed.body).toMatchObject({ open: true, opensAt: future, closesAt: null, openNow: false })
    const early = await anon.post('/auth/register', { username: 'too_early', password: STRONG_PASSWORD })
    expect(early.body.error.code).toBe('auth.registration_closed')
    expect(early.body.error.details.opensAt).toBe(future)
    expect((await latestAudit())[0].details).toMatchObject({ opensAt: future, closesAt: null })

    const backwards = await admin.api.patch('/admin/registration', { closesAt: new Date(Date.now() + 60_000).toISOString() })
    expect(backwards.status).toBe(400)
    await admin.api.patch('/admin/registration', { opensAt: null })
    expect((await admin.api.get('/admin/registration')).body).toMatchObject({ open: true, opensAt: null, openNow: true })
    expect((await admin.api.patch('/admin/registration', {})).status).toBe(400)
  })

  it('should page the audit log newest first', async () => {
    const all = await admin.api.get('/admin/audit-log?limit=200')
    const ids = all.body.items.map((e: { id: string }) => e.id)
    expect(ids).toEqual([...ids].sort().reverse())
    expect(all.body.items.every((e: { actorId: string }) => e.actorId === admin.id)).toBe(true)
    const first = await admin.api.get('/admin/audit-log?limit=2')
    const next = await admin.api.get(`/admin/audit-log?limit=2&cursor=${first.body.nextCursor}`)
    expect([...first.body.items, ...next.body.items].map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 4))
  })
})
