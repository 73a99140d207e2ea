import { ApiClient, ApiError, type FetchLike } from '@jim/client'
import { describe, expect, it } from 'vitest'

interface Seen {
  input: string
  method?: string
  headers?: Record<string, string>
  body?: string
}

/** A fetch that records the request and answers with `status`, `text` and `headers`. */
function fakeFetch(status: number, text: string, headers: Record<string, string> = {}) {
  const seen: Seen[] = []
  const fetch: FetchLike = async (input, init) => {
    seen.push({ input, ...init })
    return { status, ok: status >= 200 && status < 300, headers: { get: (n) => headers[n.toLowerCase()] ?? null }, text: async () => text }
  }
  return { fetch, seen }
}

describe('ApiClient.call', () => {
  it('should return a refusal as it came, without throwing, with the token and the extra headers sent', async () => {
    const { fetch, seen } = fakeFetch(409, '{"error":{"code":"friend.exists","message":"already friends"}}', { 'retry-after': '3' })
    const api = new ApiClient({ baseUrl: 'http://jim.test', fetch })
    api.token = 't1'
    const res = await api.call('POST', '/friend-requests', { json: { userId: 'u2' }, headers: { 'x-request-id': 'r-1' } })
    expect(res).toMatchObject({ status: 409, ok: false, body: { error: { code: 'friend.exists' } } })
    expect(res.headers.get('Retry-After')).toBe('3')
    expect(seen[0]).toMatchObject({
      input: 'http://jim.test/api/v1/friend-requests',
      method: 'POST',
      body: '{"userId":"u2"}',
      headers: { authorization: 'Bearer t1', 'content-type': 'application/json', 'x-request-id': 'r-1' },
    })
  })

  it('should send a raw body unchanged and keep a body that is not JSON as text', async () => {
    const { fetch, seen } = fakeFetch(502, 'Bad Gateway')
    const res = await new ApiClient({ fetch }).call('POST', '/auth/login', { body: '{"username":' })
    expect(seen[0]!.body).toBe('{"username":')
    expect(res).toMatchObject({ status: 502, body: 'Bad Gateway' })
  })

  it('should answer an empty body with null and send no content type without a body', async () => {
    const { fetch, seen } = fakeFetch(204, '')
    expect((await new ApiClient({ fetch }).call('DELETE', '/blocks/u2')).body).toBeNull()
    expect(seen[0]!.headers!['content-type']).toBeUndefined()
  })

  it('should throw network only when there was no answer', async () => {
    const api = new ApiClient({ fetch: () => Promise.reject(new Error('ECONNREFUSED')) })
    await expect(api.call('GET', '/me')).rejects.toMatchObject({ status: 0, code: 'network', transient: true })
  })
})

describe('ApiClient.request', () => {
  it('should throw the error body as an ApiError with Retry-After, and report a lost session', async () => {
    const { fetch } = fakeFetch(429, '{"error":{"code":"rate_limited","message":"slow down","details":{"limit":5}}}', {
      'retry-after': '7',
    })
    let unauthorized = 0
    const api = new ApiClient({ fetch, onUnauthorized: () => unauthorized++ })
    const err = await api.me().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 429, code: 'rate_limited', message: 'slow down', details: { limit: 5 }, retryAfter: 7 })

    const lost = new ApiClient({
      fetch: fakeFetch(401, '{"error":{"code":"auth.unauthorized","message":"x"}}').fetch,
      onUnauthorized: () => unauthorized++,
    })
    lost.token = 'gone'
    await expect(lost.me()).rejects.toMatchObject({ code: 'auth.unauthorized' })
    expect(unauthorized).toBe(1)
  })

  it('should name an error without a body by its status', async () => {
    await expect(new ApiClient({ fetch: fakeFetch(503, '').fetch }).me()).rejects.toMatchObject({ code: 'internal', status: 503 })
    await expect(new ApiClient({ fetch: fakeFetch(413, 'too big').fetch }).me()).rejects.toMatchObject({ code: 'http.413' })
  })
})
