import { expect, it } from 'vitest'
import { DuplicateUserError } from '../../src/domain/users/user-store.js'
import { newId } from '../../src/shared/ids.js'
import { describeEachStore } from './store-contract.js'

function newUser(username: string, extra: Partial<{ nickname: string; email: string | null }> = {}) {
  return {
    id: newId(),
    username,
    nickname: extra.nickname ?? username,
    passwordHash: 'h',
    email: extra.email ?? null,
    role: 'user' as const,
    createdAt: 1_700_000_000_000,
  }
}

describeEachStore('users', (ctx) => {
  it('should create and find a user with emoji in the nickname', async () => {
    const u = await ctx().store.users.create(newUser('emoji_user', { nickname: 'Zoë 🦊 小明' }))
    const found = await ctx().store.users.findById(u.id)
    expect(found).toMatchObject({ username: 'emoji_user', nickname: 'Zoë 🦊 小明', state: 'active', createdAt: 1_700_000_000_000 })
    expect(typeof found!.createdAt).toBe('number')
  })

  it('should refuse a duplicate username with DuplicateUserError naming the field', async () => {
    await ctx().store.users.create(newUser('taken_one'))
    await expect(ctx().store.users.create(newUser('taken_one'))).rejects.toMatchObject({ field: 'username' })
    await expect(ctx().store.users.create(newUser('taken_one'))).rejects.toBeInstanceOf(DuplicateUserError)
  })

  it('should refuse a duplicate e-mail with DuplicateUserError naming the field', async () => {
    await ctx().store.users.create(newUser('mail_a', { email: 'same@example.com' }))
    await expect(ctx().store.users.create(newUser('mail_b', { email: 'same@example.com' }))).rejects.toMatchObject({
      field: 'email',
    })
  })

  it('should search by username or nickname prefix case-insensitively, active users only, paged by id', async () => {
    const s = ctx().store.users
    const a = await s.create(newUser('srch_alpha', { nickname: 'Quokka One' }))
    const b = await s.create(newUser('srch_beta', { nickname: 'quokka two' }))
    const c = await s.create(newUser('other_gamma', { nickname: 'QUOKKA three' }))
    await s.setState(c.id, 'disabled', 1)
    const byNick = await s.search({ prefix: 'QuoKKa', afterId: null, limit: 10, excludeIds: [] })
    expect(byNick.map((u) => u.id)).toEqual([a.id, b.id])
    const page2 = await s.search({ prefix: 'quokka', afterId: a.id, limit: 10, excludeIds: [] })
    expect(page2.map((u) => u.id)).toEqual([b.id])
    const excluded = await s.search({ prefix: 'srch_', afterId: null, limit: 10, excludeIds: [a.id] })
    expect(excluded.map((u) => u.id)).toEqual([b.id])
    const byId = await s.search({ prefix: b.id, afterId: null, limit: 10, excludeIds: [] })
    expect(byId.map((u) => u.id)).toEqual([b.id])
  })

  it('should treat LIKE wildcards in a search as plain characters', async () => {
    await ctx().store.users.create(newUser('wild_card'))
    expect(await ctx().store.users.search({ prefix: '%', afterId: null, limit: 10, excludeIds: [] })).toEqual([])
    expect(await ctx().store.users.search({ prefix: '__ld', afterId: null, limit: 10, excludeIds: [] })).toEqual([])
  })
})

describeEachStore('sessions', (ctx) => {
  it('should find an active session by token hash and not after revoke or expiry', async () => {
    const s = ctx().store.sessions
    const id = newId()
    await s.create({
      id,
      userId: newId(),
      tokenSha256: 'a'.repeat(64),
      createdAt: 1000,
      expiresAt: 5000,
      revokedAt: null,
      lastSeenAt: 1000,
      userAgent: 'ua',
      ip: '127.0.0.1',
    })
    expect((await s.findActiveByTokenHash('a'.repeat(64), 2000))?.id).toBe(id)
    expect(await s.findActiveByTokenHash('a'.repeat(64), 5000)).toBeNull()
    expect(await s.revoke(id, 3000)).toBe(true)
    expect(await s.revoke(id, 3000)).toBe(false)
    expect(await s.findActiveByTokenHash('a'.repeat(64), 2000)).toBeNull()
  })

  it('should revoke all sessions of a user except one', async () => {
    const s = ctx().store.sessions
    const userId = newId()
    const ids = [newId(), newId(), newId()]
    for (const [i, id] of ids.entries()) {
      await s.create({
        id,
        userId,
        tokenSha256: String(i).repeat(64),
        createdAt: 1000,
        expiresAt: 9000,
        revokedAt: null,
        lastSeenAt: 1000,
        userAgent: '',
        ip: '',
      })
    }
    const revoked = await s.revokeAllForUser(userId, 2000, ids[0])
    expect(revoked.sort()).toEqual([ids[1], ids[2]].sort())
    expect((await s.listActive(userId, 2000)).map((x) => x.id)).toEqual([ids[0]])
  })
})

describeEachStore('settings', (ctx) => {
  it('should return null for an unset key, then the latest value', async () => {
    const s = ctx().store.settings
    expect(await s.get('x.key')).toBeNull()
    await s.set('x.key', 'one', 1)
    await s.set('x.key', 'two', 2)
    expect(await s.get('x.key')).toBe('two')
  })
})
