/**
 * Open-loop load: calls `send(i)` for i = 0, 1, 2 … at `rate` per second for `seconds`, never
 * waiting for answers (a slow server gets the same offered load, as real clients would give it),
 * catching up by elapsed time if the timer runs late. Resolves when every call has settled.
 */
export async function paced(rate: number, seconds: number, send: (i: number) => Promise<unknown>) {
  const started = performance.now()
  const end = started + seconds * 1000
  const inflight = new Set<Promise<unknown>>()
  let sent = 0
  let errors = 0
  let firstError: string | undefined
  for (let now = started; now < end; now = performance.now()) {
    const due = Math.min(Math.floor(((now - started) / 1000) * rate) + 1, Math.ceil(rate * seconds))
    while (sent < due) {
      const p = send(sent++).catch((err: Error) => {
        errors++
        firstError ??= err.message
      })
      inflight.add(p)
      void p.finally(() => inflight.delete(p))
    }
    await new Promise((r) => setTimeout(r, 5))
  }
  await Promise.all(inflight)
  return { sent, errors, firstError, seconds: (performance.now() - started) / 1000 }
}

/** Maps `items` through `fn` with at most `concurrency` calls in flight, keeping the order. */
export async function inBatches<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!, i)
      }
    }),
  )
  return out
}
