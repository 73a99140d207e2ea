import { describe, expect, it } from 'vitest'
import { BoundedHasher } from '../../src/domain/auth/bounded-hasher.js'
import type { PasswordHasher } from '../../src/domain/auth/password-hasher.js'

/** A hasher whose calls finish only when the test says so. */
function heldHasher() {
  const pending: Array<() => void> = []
  const inner: PasswordHasher = {
    hash: (p) => new Promise((resolve) => pending.push(() => resolve(`h:${p}`))),
    verify: (h, p) => new Promise((resolve) => pending.push(() => resolve(h === `h:${p}`))),
  }
  return { inner, finishOne: () => pending.shift()?.() }
}

describe('BoundedHasher', () => {
  it('should run at most `concurrency` at once, queue `maxQueued`, and refuse the rest with 503 auth.busy', async () => {
    const { inner, finishOne } = heldHasher()
    const hasher = new BoundedHasher(inner, { concurrency: 2, maxQueued: 3 })
    const calls = Array.from({ length: 8 }, (_, i) =>
      hasher.hash(`p${i}`).then(
        (v) => ({ ok: v }),
        (err: { code: string; retryAfter?: number }) => ({ code: err.code, retryAfter: err.retryAfter }),
      ),
    )
    await Promise.resolve()
    expect(hasher.load).toEqual({ running: 2, waiting: 3 })
    for (let i = 0; i < 5; i++) {
      finishOne()
      await new Promise((r) => setImmediate(r))
    }
    const results = await Promise.all(calls)
    expect(results.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((i) => ({ ok: `h:p${i}` })))
    for (const refused of results.slice(5)) {
      expect(refused).toMatchObject({ code: 'auth.busy' })
      expect((refused as { retryAfter: number }).retryAfter).toBeGreaterThan(0)
    }
    expect(hasher.load).toEqual({ running: 0, waiting: 0 })
  })

  it('should give the slot back when the work throws', async () => {
    const failing: PasswordHasher = { hash: async () => Promise.reject(new Error('boom')), verify: async () => false }
    const hasher = new BoundedHasher(failing, { concurrency: 1, maxQueued: 0 })
    await expect(hasher.hash('x')).rejects.toThrow('boom')
    expect(await hasher.verify('h', 'p')).toBe(false)
    expect(hasher.load).toEqual({ running: 0, waiting: 0 })
  })
})
