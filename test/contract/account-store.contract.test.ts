import { expect, it } from 'vitest'
import { newId } from '../../src/shared/ids.js'
import { describeEachStore } from './store-contract.js'

function newUser(username: string, email: string | null = null) {
  return { id: newId(), username, nickname: username, passwordHash: 'h', email, role: 'user' as const, createdAt: 1_700_000_000_000 }
}

function audit(actorId: string, action: string, targetId: string | null) {
  return { id: newId(), actorId, action, targetId, details: { note: 'ünïcode ✓' }, createdAt: 1_700_000_000_500 }
}

describeEachStore('accounts', (ctx) => {
  it('should bind a verified e-mail and take it from an account that holds it unverified', async () => {
    const { users, accounts } = ctx().store
    const squatter = await users.create(newUser('acc_squat', 'shared@example.com'))
    const owner = await users.create(newUser('acc_owner'))
    const bound = await accounts.setVerifiedEmail(owner.id, 'shared@example.com', 5000)
    if (!bound || bound === 'taken') throw new Error(`bound: ${String(bound)}`)
    expect(bound.user).toMatchObject({ id: owner.id, email: 'shared@example.com', emailVerified: true })
    expect(bound.previousHolderId).toBe(squatter.id)
    expect(await accounts.setVerifiedEmail(owner.id, 'shared@example.com', 6000)).toMatchObject({ previousHolderId: null })
    expect((await users.findById(squatter.id))!.email).toBeNull()
    expect((await accounts.findActiveByVerifiedEmail('shared@example.com'))?.id).toBe(owner.id)
    expect(await accounts.isVerifiedEmailTaken('shared@example.com', squatter.id)).toBe(true)
    expect(await accounts.isVerifiedEmailTaken('shared@example.com', owner.id)).toBe(false)
  })

  it("should answer 'taken' and change nothing when another account has the address verified", async () => {
    const { users, accounts } = ctx().store
    const a = await users.create(newUser('acc_va'))
    const b = await users.create(newUser('acc_vb'))
    await accounts.setVerifiedEmail(a.id, 'verified@example.com', 1)
    expect(await accounts.setVerifiedEmail(b.id, 'verified@example.com', 2)).toBe('taken')
    expect((await users.findById(a.id))!.email).toBe('verified@example.com')
    expect((await users.findById(b.id))!.email).toBeNull()
  })

  it('should not find disabled users or unverified addresses by e-mail', async () => {
    const { users, accounts } = ctx().store
    await users.create(newUser('acc_unver', 'unverified@example.com'))
    expect(await accounts.findActiveByVerifiedEmail('unverified@example.com')).toBeNull()
    const d = await users.create(newUser('acc_dis'))
    await accounts.setVerifiedEmail(d.id, 'disabled@example.com', 1)
    await accounts.setState(d.id, 'disabled', 2)
    expect(await accounts.findActiveByVerifiedEmail('disabled@example.com')).toBeNull()
  })

  it('should change the state and write the audit entry with it', async () => {
    const { users, accounts, auditLog } = ctx().store
    const u = await users.create(newUser('acc_state'))
    const entry = audit(newId(), 'user.disabled', u.id)
    const changed = await accounts.setState(u.id, 'disabled', 7000, entry)
    expect(changed).toMatchObject({ state: 'disabled', updatedAt: 7000 })
    const logged = (await auditLog.list({ beforeId: null, limit: 50 })).find((e) => e.id === entry.id)
    expect(logged).toEqual(entry)
    expect(await accounts.setState(newId(), 'disabled', 1, audit(newId(), 'user.disabled', null))).toBeNull()
  })

  it('should delete an account: anonymized, username kept, codes gone, only once', async () => {
    const { users, accounts, emailCodes } = ctx().store
    const u = await users.create(newUser('acc_gone', 'gone@example.com'))
    await users.update(u.id, { bio: 'about me', avatarFileId: newId() }, 2)
    await emailCodes.replace({
      id: newId(),
      userId: u.id,
      purpose: 'email',
      email: 'x@example.com',
      codeHash: 'c'.repeat(64),
      expiresAt: 9e12,
      createdAt: 1,
    })
    const entry = audit(newId(), 'user.deleted', u.id)
    expect(await accounts.markDeleted(u.id, 3000, entry)).toBe(true)
    const row = await users.findByUsernameWithSecret('acc_gone')
    expect(row).toMatchObject({ id: u.id, state: 'deleted', nickname: '', bio: '', avatarFileId: null, email: null, emailVerified: false })
    expect(row!.passwordHash).not.toBe('h')
    expect(await emailCodes.findLive(u.id, 'email', 10)).toBeNull()
    expect(await accounts.markDeleted(u.id, 4000)).toBe(false)
    await expect(users.create(newUser('acc_gone'))).rejects.toMatchObject({ name: 'DuplicateUserError', field: 'username' })
  })

  it('should list users of every state newest first, filtered and paged', async () => {
    const { users, accounts } = ctx().store
    const a = await users.create(newUser('lst_alpha'))
    const b = await users.create(newUser('lst_beta'))
    const c = await users.create(newUser('lst_gamma', 'gamma@example.com'))
    await accounts.setState(b.id, 'disabled', 1)
    const all = await accounts.list({ q: 'lst_', state: null, beforeId: null, limit: 10 })
    expect(all.map((u) => u.id)).toEqual([c.id, b.id, a.id])
    const page2 = await accounts.list({ q: 'lst_', state: null, beforeId: c.id, limit: 1 })
    expect(page2.map((u) => u.id)).toEqual([b.id])
    expect((await accounts.list({ q: 'lst_', state: 'disabled', beforeId: null, limit: 10 })).map((u) => u.id)).toEqual([b.id])
    expect((await accounts.list({ q: 'GAMMA@example.com', state: null, beforeId: null, limit: 10 })).map((u) => u.id)).toEqual([c.id])
    expect((await accounts.list({ q: a.id, state: null, beforeId: null, limit: 10 })).map((u) => u.id)).toEqual([a.id])
    expect(await accounts.list({ q: 'lst%', state: null, beforeId: null, limit: 10 })).toEqual([])
  })
})
