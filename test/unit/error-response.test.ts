import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendError } from '../../src/http/error-response.js'

/** A backing service's connection error, as pg / mysql2 / ioredis raise it. */
function connectionReset(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
}

describe('error answers for connection errors', () => {
  let app: FastifyInstance
  let url = ''
  beforeAll(async () => {
    app = Fastify()
    app.setErrorHandler((err, request, reply) => sendError(request, reply, err))
    // the database connection drops after the request's body has been read (node marks the request destroyed then)
    app.post('/send', async () => {
      await new Promise((r) => setTimeout(r, 5))
      throw connectionReset()
    })
    url = await app.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(() => app.close())

  it("should answer 503 with Retry-After when the database connection resets, not blame the client's request", async () => {
    const res = await fetch(`${url}/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('service.unavailable')
  })
})
