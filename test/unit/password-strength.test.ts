import { afterEach, describe, expect, it } from 'vitest'
import { StrengthWorker } from '../../src/domain/auth/password-strength.js'

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('password strength off the main thread', () => {
  const workers: StrengthWorker[] = []
  const make = (options: Partial<ConstructorParameters<typeof StrengthWorker>[0]> = {}) => {
    const w = new StrengthWorker({ idleMs: 60_000, checkTimeoutMs: 10_000, maxWaiting: 100, ...options })
    workers.push(w)
    return w
  }
  afterEach(async () => {
    // a failed check stops its worker: end every test's worker this way
    await Promise.all(workers.splice(0).map((w) => w.score(42 as unknown as string, []).catch(() => undefined)))
  })

  it("should score with zxcvbn's dictionaries and the user's own words, with feedback", async () => {
    const w = make()
    expect(w.running).toBe(false)
    const [weak, strong, own] = await Promise.all([
      w.score('password1', []),
      w.score('violet-Tangerine-42-orbit', []),
      w.score('alicewonder', ['alicewonder']),
    ])
    expect(weak.score).toBeLessThanOrEqual(1)
    expect(weak.warning).not.toBe('')
    expect(strong.score).toBe(4)
    expect(own.score).toBe(0)
    expect(w.running).toBe(true)
  })

  it('should end the worker after the idle time and start another for the next check', async () => {
    const w = make({ idleMs: 50 })
    expect((await w.score('password1', [])).score).toBeLessThanOrEqual(1)
    await until(() => !w.running)
    expect((await w.score('violet-Tangerine-42-orbit', [])).score).toBe(4)
  })

  it('should refuse checks beyond the waiting bound with auth.busy, answering the others', async () => {
    const w = make({ maxWaiting: 3 })
    const checks = Array.from({ length: 5 }, () =>
      w.score('violet-Tangerine-42-orbit', []).then(
        (s) => s.score,
        (e: { code?: string }) => e.code,
      ),
    )
    expect(await Promise.all(checks)).toEqual([4, 4, 4, 'auth.busy', 'auth.busy'])
  })

  it('should reject the checks of a worker that failed, and answer the next one from a new worker', async () => {
    const w = make()
    await expect(w.score(42 as unknown as string, [])).rejects.toThrow()
    expect(w.running).toBe(false)
    expect((await w.score('violet-Tangerine-42-orbit', [])).score).toBe(4)
  })
})
