import { readdirSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { openUpload, pdfBytes, upload } from '../helpers/uploads.js'

/** Generic bytes (not an image: nothing is re-encoded, so the stored size is the sent size). */
const blob = (size: number) => Buffer.concat([pdfBytes(), Buffer.alloc(Math.max(0, size - pdfBytes().length), 7)])

function tempFiles(t: TestApp): string[] {
  try {
    return readdirSync(join(t.database.overrides.dataDir as string, 'tmp'))
  } catch {
    return []
  }
}

/**
 * Sends raw bytes over TCP, `piece` every `everyMs` (a trickling client), and resolves with
 * what the server answered once it closes the connection.
 */
function trickle(url: string, head: string, piece: string, everyMs: number): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    let received = ''
    let timer: NodeJS.Timeout | undefined
    socket.on('connect', () => {
      socket.write(head)
      timer = setInterval(() => socket.write(piece), everyMs)
    })
    socket.on('data', (d) => (received += d.toString()))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearInterval(timer)
      resolve(received)
    })
  })
}

describe('upload limits: concurrency, quota, no temporary files left', () => {
  let t: TestApp
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser

  beforeAll(async () => {
    t = await startTestApp({
      overrides: {
        'files.maxConcurrentUploadsPerUser': 2,
        'files.quotaBytesPerUser': 100_000,
        'files.maxFileBytes': 50_000,
        'rateLimit.uploadsPerMinute': 1000,
      },
    })
    ;[alice, bob, carol] = await Promise.all([createUser(t.url, 'alice'), createUser(t.url, 'bob'), createUser(t.url, 'carol')])
  })
  afterAll(async () => {
    await t.close()
  })

  it('should admit two uploads of one user at once and answer 429 to the rest of a parallel burst', async () => {
    const burst = Array.from({ length: 10 }, () => openUpload(t.url, alice, { kind: 'file' }))
    burst.forEach((u) => u.write(pdfBytes()))
    // the refused answer at once, while their bodies are still open; two wait for their end
    const refused = await Promise.all(burst.map((u) => Promise.race([u.answer, new Promise<null>((r) => setTimeout(() => r(null), 3000))])))
    const early = refused.filter((a) => a !== null)
    expect(early).toHaveLength(8)
    for (const a of early) {
      expect(a!.status).toBe(429)
      expect(a!.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 'upload-concurrency', maxConcurrent: 2 } })
    }
    const admitted = burst.filter((_, i) => refused[i] === null)
    const done = await Promise.all(admitted.map((u) => u.finish()))
    expect(done.map((d) => d.status)).toEqual([201, 201])
    burst.forEach((u, i) => refused[i] !== null && u.abort())
    // the slots are free again, and another user was never limited by alice's
    expect((await upload(t.url, alice, pdfBytes(), { name: 'a.pdf' })).status).toBe(201)
  })

  it('should let no parallel burst go over the storage quota, and refuse at the quota before reading the body', async () => {
    expect((await upload(t.url, bob, blob(40_000), { name: 'first.pdf' })).status).toBe(201)
    // 40 KB stored of 100 KB: of two parallel 35 KB uploads exactly one fits
    const results = await Promise.all([0, 1].map(() => upload(t.url, bob, blob(35_000), { name: 'more.pdf' })))
    expect(results.map((r) => r.status).sort()).toEqual([201, 422])
    const refusal = results.find((r) => r.status === 422)!
    expect(refusal.body.error).toMatchObject({
      code: 'file.quota_exceeded',
      details: { quotaBytes: 100_000, usedBytes: 75_000, uploadBytes: 35_000 },
    })
    expect(refusal.body.error.message).toMatch(/75000 of your 100000 bytes/)
    expect((await upload(t.url, bob, blob(25_000), { name: 'last.pdf' })).status).toBe(201)
    // now at 100 KB: even a tiny upload is refused, and the answer comes before the body ends
    const open = openUpload(t.url, bob, { kind: 'file' })
    open.write(Buffer.alloc(10))
    const answer = await open.answer
    expect(answer.status).toBe(422)
    expect(answer.body.error.code).toBe('file.quota_exceeded')
    open.abort()
    // a parallel burst from a user under the quota is bounded the same way
    const burst = await Promise.all(Array.from({ length: 2 }, () => upload(t.url, carol, blob(45_000), { name: 'c.pdf' })))
    expect(burst.map((r) => r.status)).toEqual([201, 201])
    const third = await upload(t.url, carol, blob(45_000), { name: 'c.pdf' })
    expect(third.status).toBe(422)
  })

  it('should leave no temporary files behind: stored, too large or refused', async () => {
    const over = await upload(t.url, alice, blob(60_000), { name: 'big.pdf', kind: 'file' })
    expect(over.status).toBe(413)
    expect(over.body.error).toMatchObject({ code: 'file.too_large', details: { kind: 'file', maxBytes: 50_000 } })
    expect(tempFiles(t)).toEqual([])
  })
})

describe('upload limits: uploads per minute', () => {
  let t: TestApp
  let dave: TestUser

  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'rateLimit.uploadsPerMinute': 5, 'files.maxConcurrentUploadsPerUser': 50 } })
    dave = await createUser(t.url, 'dave')
  })
  afterAll(async () => {
    await t.close()
  })

  it('should accept exactly the per-minute number of a parallel burst and answer 429 with Retry-After to the rest', async () => {
    const results = await Promise.all(Array.from({ length: 9 }, () => upload(t.url, dave, pdfBytes(), { name: 'x.pdf' })))
    const statuses = results.map((r) => r.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(4)
    const limited = results.find((r) => r.status === 429)!
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 'upload' } })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})

describe('slow clients: trickled uploads and headers are cut', () => {
  let t: TestApp
  let erin: TestUser

  beforeAll(async () => {
    t = await startTestApp({
      overrides: { 'files.uploadMinBytesPerSecond': 1000, 'files.uploadRateWindowSeconds': 1, 'http.headersTimeoutMs': 1000 },
    })
    erin = await createUser(t.url, 'erin')
  })
  afterAll(async () => {
    await t.close()
  })

  it('should cut an upload trickled below the minimum rate with 408 and close the connection', async () => {
    const boundary = 'trickle'
    const head =
      `POST /api/v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${erin.token}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000000\r\n\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.bin"\r\n\r\n`
    // 20 bytes every 100 ms = 200 B/s, far below 1000 B/s; the test timeout bounds it
    const answer = await trickle(t.url, head, 'x'.repeat(20), 100)
    expect(answer).toMatch(/^HTTP\/1\.1 408/)
    expect(answer).toMatch(/connection: close/i)
    expect(answer).toContain('"code":"file.upload_too_slow"')
    expect(tempFiles(t)).toEqual([])
    // the server is fine and the user's upload slot is free again
    expect((await upload(t.url, erin, pdfBytes(), { name: 'ok.pdf' })).status).toBe(201)
  })

  it('should close a connection whose headers trickle in (408)', async () => {
    const answer = await trickle(t.url, 'GET /healthz HTTP/1.1\r\n', 'X-Slow: 1\r\n', 200)
    expect(answer).toMatch(/^HTTP\/1\.1 408/)
  })
})

describe('slow clients: the whole-request timeout', () => {
  let t: TestApp
  let fay: TestUser

  beforeAll(async () => {
    // no minimum rate here: only the server's request timeout applies
    t = await startTestApp({
      overrides: { 'files.uploadMinBytesPerSecond': 0, 'http.requestTimeoutMs': 1500, 'http.headersTimeoutMs': 1000 },
    })
    fay = await createUser(t.url, 'fay')
  })
  afterAll(async () => {
    await t.close()
  })

  it('should close a request whose body takes longer than http.requestTimeoutMs', async () => {
    const head =
      `POST /api/v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${fay.token}\r\n` +
      `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000000\r\n\r\n` +
      `--b\r\nContent-Disposition: form-data; name="file"; filename="slow.bin"\r\n\r\n`
    const answer = await trickle(t.url, head, 'x'.repeat(5000), 100)
    expect(answer).toMatch(/^HTTP\/1\.1 408/)
  })
})

describe('upload limits: uploads in progress on one instance, all users together', () => {
  let t: TestApp
  let users: TestUser[]

  beforeAll(async () => {
    t = await startTestApp({
      overrides: { 'files.maxConcurrentUploads': 3, 'files.maxConcurrentUploadsPerUser': 2, 'rateLimit.uploadsPerMinute': 1000 },
    })
    users = await Promise.all(['fay', 'gus', 'hal'].map((n) => createUser(t.url, n)))
  })
  afterAll(async () => {
    await t.close()
  })

  it('should admit three uploads of a parallel burst from three users and answer 503 service.unavailable to the rest at once', async () => {
    const burst = users.flatMap((u) => [openUpload(t.url, u, { kind: 'file' }), openUpload(t.url, u, { kind: 'file' })])
    burst.forEach((u) => u.write(pdfBytes()))
    // the three refusals come while every body is still open (the admitted three wait for their end)
    const early: Array<{ index: number; status: number; body: any }> = []
    await new Promise<void>((resolve) =>
      burst.forEach((u, index) =>
        u.answer.then((a) => {
          early.push({ index, ...a })
          if (early.length === 3) resolve()
        }),
      ),
    )
    for (const a of early) {
      expect(a.status).toBe(503)
      expect(a.body.error).toMatchObject({
        code: 'service.unavailable',
        details: { limit: 'upload-concurrency-instance', maxConcurrent: 3 },
      })
    }
    const admitted = burst.filter((_, i) => !early.some((a) => a.index === i))
    expect((await Promise.all(admitted.map((u) => u.finish()))).map((d) => d.status)).toEqual([201, 201, 201])
    early.forEach((a) => burst[a.index]!.abort())
    // the slots are free again
    expect((await upload(t.url, users[0]!, pdfBytes(), { name: 'again.pdf' })).status).toBe(201)
  })
})
