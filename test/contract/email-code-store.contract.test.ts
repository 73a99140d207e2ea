import { expect, it } from 'vitest'
import { newId } from '../../src/shared/ids.js'
import { describeEachStore } from './store-contract.js'

function code(userId: string, purpose: 'email' | 'reset', expiresAt = 10_000) {
  return { id: newId(), userId, purpose, email: 'a@example.com', codeHash: 'f'.repeat(64), expiresAt, createdAt: 1000 }
}

describeEachStore('email codes', (ctx) => {
  it('should keep one live code per user and purpose', async () => {
    const s = ctx().store.emailCodes
    const userId = newId()
    const first = code(userId, 'email')
    const second = code(userId, 'email')
    const reset = code(userId, 'reset')
    await s.replace(first)
    await s.replace(reset)
    await s.replace(second)
    expect((await s.findLive(userId, 'email', 2000))?.id).toBe(second.id)
    expect((await s.findLive(userId, 'reset', 2000))?.id).toBe(reset.id)
    expect(await s.findLive(userId, 'email', 10_000)).toBeNull()
    expect(await s.findLive(newId(), 'email', 2000)).toBeNull()
  })

  it('should count attempts atomically and consume a code once', async () => {
    const s = ctx().store.emailCodes
    const c = code(newId(), 'reset')
    await s.replace(c)
    const counts = await Promise.all([s.addFailedAttempt(c.id), s.addFailedAttempt(c.id), s.addFailedAttempt(c.id)])
    expect(counts.sort()).toEqual([1, 2, 3])
    expect((await s.findLive(c.userId, 'reset', 2000))?.attempts).toBe(3)
    const results = await Promise.all([s.consume(c.id, 3000), s.consume(c.id, 3000)])
    expect(results.sort()).toEqual([false, true])
    expect(await s.findLive(c.userId, 'reset', 2000)).toBeNull()
  })

  it('should delete expired codes only', async () => {
    const s = ctx().store.emailCodes
    const old = code(newId(), 'email', 500)
    const live = code(newId(), 'email', 1_000_000)
    await s.replace(old)
    await s.replace(live)
    expect(await s.deleteExpired(600)).toBeGreaterThanOrEqual(1)
    expect((await s.findLive(live.userId, 'email', 700))?.id).toBe(live.id)
  })
})
