import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { dialectAvailable, dialectsUnderTest, type Dialect } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { makeImage, mp4Bytes, upload } from '../helpers/uploads.js'

const CHUNK = 512 * 1024

async function fetchBytes(url: string, headers: Record<string, string>, method = 'GET') {
  const res = await fetch(url, { method, headers })
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) }
}

/** Range and HEAD on every file store: local disk, and the database on each dialect (env STORES narrows). */
const setups = (
  [
    { files: 'local', dialect: 'sqlite' },
    { files: 'sql', dialect: 'sqlite' },
    { files: 'sql', dialect: 'mysql' },
    { files: 'sql', dialect: 'postgres' },
  ] as Array<{ files: 'local' | 'sql'; dialect: Dialect }>
).filter((s) => dialectsUnderTest().includes(s.dialect))

for (const setup of setups) {
  describe(`files.driver = ${setup.files} on ${setup.dialect}: Range and HEAD`, async () => {
    if (!(await dialectAvailable(setup.dialect))) return
    let t: TestApp
    let alice: TestUser
    let bob: TestUser
    let video: Buffer
    let videoId: string
    const auth = () => ({ authorization: `Bearer ${alice.token}` })

    beforeAll(async () => {
      t = await startTestApp({ dialect: setup.dialect, overrides: { 'files.driver': setup.files } })
      alice = await createUser(t.url, 'alice')
      bob = await createUser(t.url, 'bob')
      // a video a bit larger than two sql chunks, with a byte pattern that shows misplaced ranges
      video = mp4Bytes(CHUNK * 2 + 4321)
      for (let i = 32; i < video.length; i++) video[i] = (i * 7 + (i >> 9)) & 0xff
      const res = await upload(t.url, alice, video, { name: 'clip.mp4', kind: 'video' })
      expect(res.status).toBe(201)
      videoId = res.body.fileId
    })
    afterAll(async () => {
      await t?.close()
    })

    it('should serve the whole file with Accept-Ranges, Content-Length and an ETag', async () => {
      const got = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, auth())
      expect(got.status).toBe(200)
      expect(got.headers.get('accept-ranges')).toBe('bytes')
      expect(got.headers.get('content-length')).toBe(String(video.length))
      expect(got.headers.get('etag')).toBe(`"${videoId}"`)
      expect(got.bytes.equals(video)).toBe(true)
    })

    it('should answer single ranges with 206 and exactly those bytes, across chunk borders too', async () => {
      const size = video.length
      const cases: Array<[string, number, number]> = [
        ['bytes=0-99', 0, 99],
        [`bytes=${CHUNK - 10}-${CHUNK + 9}`, CHUNK - 10, CHUNK + 9],
        [`bytes=${CHUNK * 2}-`, CHUNK * 2, size - 1],
        ['bytes=-500', size - 500, size - 1],
        [`bytes=100-${size + 1000}`, 100, size - 1],
      ]
      for (const [range, start, end] of cases) {
        const got = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, { ...auth(), range })
        expect(got.status, range).toBe(206)
        expect(got.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`)
        expect(got.headers.get('content-length')).toBe(String(end - start + 1))
        expect(got.bytes.equals(video.subarray(start, end + 1)), range).toBe(true)
      }
    })

    it('should answer 416 with the size for a range outside the file, and ignore ranges it does not serve', async () => {
      const size = video.length
      const outside = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, { ...auth(), range: `bytes=${size}-` })
      expect(outside.status).toBe(416)
      expect(outside.headers.get('content-range')).toBe(`bytes */${size}`)
      expect(JSON.parse(outside.bytes.toString()).error).toMatchObject({ code: 'file.range_not_satisfiable', details: { size } })
      // several ranges, another unit, a malformed one: the whole file
      for (const range of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-2', 'bytes=x-']) {
        const got = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, { ...auth(), range })
        expect(got.status, range).toBe(200)
        expect(got.bytes.length).toBe(size)
      }
    })

    it('should honour If-Range: the range for the current ETag, the whole file for another', async () => {
      const same = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, { ...auth(), range: 'bytes=0-9', 'if-range': `"${videoId}"` })
      expect(same.status).toBe(206)
      const other = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, { ...auth(), range: 'bytes=0-9', 'if-range': '"other"' })
      expect(other.status).toBe(200)
      expect(other.bytes.length).toBe(video.length)
    })

    it('should answer HEAD with the headers of GET and no body, and refuse strangers the same way', async () => {
      const head = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, auth(), 'HEAD')
      expect(head.status).toBe(200)
      expect(head.headers.get('content-length')).toBe(String(video.length))
      expect(head.headers.get('content-type')).toBe('video/mp4')
      expect(head.headers.get('accept-ranges')).toBe('bytes')
      expect(head.bytes.length).toBe(0)
      const ranged = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, { ...auth(), range: 'bytes=10-19' }, 'HEAD')
      expect(ranged.status).toBe(206)
      expect(ranged.headers.get('content-range')).toBe(`bytes 10-19/${video.length}`)
      expect(ranged.headers.get('content-length')).toBe('10')
      const stranger = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, { authorization: `Bearer ${bob.token}` }, 'HEAD')
      expect(stranger.status).toBe(404)
      const anonymous = await fetchBytes(`${t.url}/api/v1/files/${videoId}`, {}, 'HEAD')
      expect(anonymous.status).toBe(401)
    })

    it('should seek in a video through its signed URL (what <video> does), with HEAD too', async () => {
      const { url } = (await (await fetch(`${t.url}/api/v1/files/${videoId}/url`, { headers: auth() })).json()) as { url: string }
      const got = await fetchBytes(`${t.url}${url}`, { range: `bytes=${CHUNK + 1}-${CHUNK + 50}` })
      expect(got.status).toBe(206)
      expect(got.bytes.equals(video.subarray(CHUNK + 1, CHUNK + 51))).toBe(true)
      const head = await fetchBytes(`${t.url}${url}`, {}, 'HEAD')
      expect(head.status).toBe(200)
      expect(head.headers.get('content-length')).toBe(String(video.length))
      expect(head.bytes.length).toBe(0)
      // another first character (a fixed 'A' left a signature starting with 'A' untouched: 1 run in 64 passed it)
      const tampered = await fetchBytes(`${t.url}${url.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`)}`, {}, 'HEAD')
      expect(tampered.status).toBe(404)
    })

    it("should give a thumbnail's size on HEAD and serve ranges of it", async () => {
      const res = await upload(t.url, alice, await makeImage('png', 800, 600), { name: 'p.png' })
      const thumbUrl = `${t.url}/api/v1/files/${res.body.fileId}/thumbnail`
      const whole = await fetchBytes(thumbUrl, auth())
      expect(whole.status).toBe(200)
      const head = await fetchBytes(thumbUrl, auth(), 'HEAD')
      expect(head.status).toBe(200)
      expect(head.headers.get('content-length')).toBe(String(whole.bytes.length))
      const part = await fetchBytes(thumbUrl, { ...auth(), range: 'bytes=2-5' })
      expect(part.status).toBe(206)
      expect(part.bytes.equals(whole.bytes.subarray(2, 6))).toBe(true)
    })

    if (setup.files === 'local') {
      it('should answer HEAD from the metadata alone: it does not touch the bytes on disk', async () => {
        const res = await upload(t.url, alice, mp4Bytes(10_000), { name: 'gone.mp4', kind: 'video' })
        const id: string = res.body.fileId
        rmSync(join(t.database.overrides.dataDir as string, 'files', id.slice(24, 26), id))
        const head = await fetchBytes(`${t.url}/api/v1/files/${id}`, auth(), 'HEAD')
        expect(head.status).toBe(200)
        expect(head.headers.get('content-length')).toBe('10000')
        // GET has to open the bytes, and finds none
        expect((await fetchBytes(`${t.url}/api/v1/files/${id}`, auth())).status).toBe(404)
      })
    }
  })
}
