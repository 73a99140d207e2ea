import type { FetchLike } from '@jim/client'

export interface FakeCall {
  url: string
  method: string
  body: any
  answer(status: number, body: unknown): void
  fail(): void
}

/** A fetch that records calls and answers from what the test says (unanswered calls hang). */
export function fakeFetch() {
  const calls: FakeCall[] = []
  const fetch: FetchLike = (url, init) =>
    new Promise((resolve, reject) => {
      calls.push({
        url,
        method: init?.method ?? 'GET',
        body: init?.body ? JSON.parse(init.body) : undefined,
        answer: (status, body) =>
          resolve({ status, ok: status < 300, headers: { get: () => null }, text: async () => JSON.stringify(body) }),
        fail: () => reject(new TypeError('fetch failed')),
      })
    })
  return { fetch, calls }
}
