import { existsSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { download, makeImage, mp4Bytes, noiseImage, pdfBytes, pixelFloodPng, upload, wavBytes } from '../helpers/uploads.js'

const SANDBOX = "default-src 'none'; sandbox"

describe('file uploads and serving', () => {
  let t: TestApp
  let alice: TestUser

  beforeAll(async () => {
    t = await startTestApp({
      overrides: { 'files.maxVoiceBytes': 64 * 1024, 'files.maxImageBytes': 256 * 1024, 'files.maxImagePixels': 4_000_000 },
    })
    alice = await createUser(t.url, 'alice')
  })
  afterAll(async () => {
    await t.close()
  })

  it('should re-encode a PNG, report its size and dimensions, and make a WebP thumbnail within 320px', async () => {
    const png = await makeImage('png', 1000, 500)
    const res = await upload(t.url, alice, png, { name: 'sunset.png', type: 'image/png' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ kind: 'image', mime: 'image/png', width: 1000, height: 500, name: 'sunset.png' })
    expect(res.body.thumbnail).toEqual({ width: 320, height: 160, mime: 'image/webp' })

    const original = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect(original.status).toBe(200)
    expect(original.headers.get('content-type')).toBe('image/png')
    expect(original.headers.get('content-disposition')).toBe('inline')
    expect(original.headers.get('x-content-type-options')).toBe('nosniff')
    expect(original.headers.get('content-security-policy')).toBe(SANDBOX)
    expect(original.bytes.length).toBe(res.body.size)
    expect(await sharp(original.bytes).metadata()).toMatchObject({ format: 'png', width: 1000, height: 500 })

    const thumb = await download(`${t.url}/api/v1/files/${res.body.fileId}/thumbnail`, alice.token)
    expect(thumb.status).toBe(200)
    expect(thumb.headers.get('content-type')).toBe('image/webp')
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({ format: 'webp', width: 320, height: 160 })
  })

  it('should strip EXIF metadata from a JPEG and keep a small image at its own size in the thumbnail', async () => {
    const jpeg = await sharp(await makeImage('jpeg', 200, 300))
      .withExif({ IFD0: { Copyright: 'secret-location-data' } })
      .jpeg()
      .toBuffer()
    expect((await sharp(jpeg).metadata()).exif).toBeDefined()
    const res = await upload(t.url, alice, jpeg, { name: 'me.jpg', kind: 'image' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ mime: 'image/jpeg', width: 200, height: 300, thumbnail: { width: 200, height: 300 } })
    const served = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect((await sharp(served.bytes).metadata()).exif).toBeUndefined()
    expect(served.bytes.includes(Buffer.from('secret-location-data'))).toBe(false)
  })

  it('should accept WebP and GIF images', async () => {
    for (const format of ['webp', 'gif'] as const) {
      const res = await upload(t.url, alice, await makeImage(format, 64, 48), { name: `x.${format}` })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ kind: 'image', mime: `image/${format}`, width: 64, height: 48 })
    }
  })

  it('should store a PDF as a file served as an attachment with its name, never inline', async () => {
    const res = await upload(t.url, alice, pdfBytes(), { name: 'Report Q1 报告 (final).pdf', type: 'text/html' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ kind: 'file', mime: 'application/pdf', name: 'Report Q1 报告 (final).pdf' })
    expect(res.body.thumbnail).toBeUndefined()
    const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect(got.status).toBe(200)
    expect(got.bytes.equals(pdfBytes())).toBe(true)
    expect(got.headers.get('content-type')).toBe('application/pdf')
    expect(got.headers.get('content-disposition')).toBe(
      `attachment; filename="Report Q1 __ (final).pdf"; filename*=UTF-8''Report%20Q1%20%E6%8A%A5%E5%91%8A%20%28final%29.pdf`,
    )
    expect(got.headers.get('content-security-policy')).toBe(SANDBOX)
    expect(got.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('should never use the client name as a path', async () => {
    const res = await upload(t.url, alice, pdfBytes(), { name: '../../etc/passwd' })
    expect(res.status).toBe(201)
    expect(res.body.name).toBe('passwd')
    expect(res.body.fileId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
  })

  it('should serve a script named .png and labelled image/png as an octet-stream attachment, not an image', async () => {
    const script = Buffer.from('<script>alert(document.cookie)</script>')
    const res = await upload(t.url, alice, script, { name: 'cute-cat.png', type: 'image/png' })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ kind: 'file', mime: 'application/octet-stream' })
    const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect(got.headers.get('content-type')).toBe('application/octet-stream')
    expect(got.headers.get('content-disposition')).toMatch(/^attachment; filename="cute-cat.png"/)
    expect(got.headers.get('x-content-type-options')).toBe('nosniff')
    expect(got.headers.get('content-security-policy')).toBe(SANDBOX)

    const asImage = await upload(t.url, alice, script, { name: 'cute-cat.png', type: 'image/png', kind: 'image' })
    expect(asImage.status).toBe(422)
    expect(asImage.body.error.code).toBe('file.type_mismatch')
  })

  it('should store an SVG (with or without an XML prolog) as a generic file served as an octet-stream attachment', async () => {
    for (const svg of [
      '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>',
    ]) {
      const res = await upload(t.url, alice, Buffer.from(svg), { name: 'logo.svg', type: 'image/svg+xml' })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ kind: 'file', mime: 'application/octet-stream' })
      const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
      expect(got.headers.get('content-type')).toBe('application/octet-stream')
      expect(got.headers.get('content-disposition')).toMatch(/^attachment;/)
      expect(await upload(t.url, alice, Buffer.from(svg), { name: 'logo.svg', kind: 'image' }).then((r) => r.status)).toBe(422)
    }
  })

  it('should take voice clips as audio and videos as video, refusing other bytes for those kinds', async () => {
    const voice = await upload(t.url, alice, wavBytes(1000), { name: 'note.wav', kind: 'voice', fields: { durationMs: '1000' } })
    expect(voice.status).toBe(201)
    expect(voice.body).toMatchObject({ kind: 'voice', mime: 'audio/wav', durationMs: 1000 })
    const video = await upload(t.url, alice, mp4Bytes(), { name: 'clip.mp4', query: '?kind=video' })
    expect(video.status).toBe(201)
    expect(video.body).toMatchObject({ kind: 'video', mime: 'video/mp4' })
    const got = await download(`${t.url}/api/v1/files/${video.body.fileId}`, alice.token)
    expect(got.headers.get('content-type')).toBe('video/mp4')
    expect(got.headers.get('content-disposition')).toMatch(/^attachment;/)

    const pngAsVoice = await upload(t.url, alice, await makeImage('png', 10, 10), { kind: 'voice' })
    expect(pngAsVoice.status).toBe(422)
    expect(pngAsVoice.body.error.code).toBe('file.type_mismatch')
    const wavAsVideo = await upload(t.url, alice, wavBytes(100), { kind: 'video' })
    expect(wavAsVideo.status).toBe(422)
  })

  it('should answer 413 above the limit of the kind', async () => {
    const big = wavBytes(5000) // ~80 KB, over the 64 KiB voice limit of this app
    const res = await upload(t.url, alice, big, { kind: 'voice' })
    expect(res.status).toBe(413)
    expect(res.body.error).toMatchObject({ code: 'file.too_large', details: { kind: 'voice', maxBytes: 64 * 1024 } })
    // the same bytes are a fine generic file
    expect((await upload(t.url, alice, big, { kind: 'file' })).status).toBe(201)
    // an image is held to the image limit once sniffed, even when no kind was given
    const photo = await noiseImage(400, 400)
    expect(photo.length).toBeGreaterThan(256 * 1024)
    const image = await upload(t.url, alice, photo, { name: 'noise.png' })
    expect(image.status).toBe(413)
    expect(image.body.error.details).toEqual({ kind: 'image', maxBytes: 256 * 1024 })
  })

  it('should refuse a pixel flood from its header, before decoding it', async () => {
    const flood = pixelFloodPng(100_000, 100_000)
    expect(flood.length).toBeLessThan(100)
    const started = Date.now()
    const res = await upload(t.url, alice, flood, { name: 'flood.png' })
    expect(res.status).toBe(422)
    expect(res.body.error).toMatchObject({
      code: 'file.image_too_large',
      details: { width: 100_000, height: 100_000, maxPixels: 4_000_000 },
    })
    expect(Date.now() - started).toBeLessThan(5000)
    // a real image just over this app's 4 MP limit is refused the same way
    const over = await upload(
      t.url,
      alice,
      await sharp({ create: { width: 2100, height: 2000, channels: 3, background: '#8ac' } })
        .png()
        .toBuffer(),
    )
    expect(over.status).toBe(422)
    expect(over.body.error.code).toBe('file.image_too_large')
  })

  it('should refuse a truncated image as undecodable', async () => {
    const png = await makeImage('png', 300, 300)
    const res = await upload(t.url, alice, png.subarray(0, 200), { name: 'broken.png' })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('file.invalid_image')
  })

  it('should refuse uploads without a file, without multipart, or without a session', async () => {
    const form = new FormData()
    form.append('kind', 'file')
    const noFile = await fetch(`${t.url}/api/v1/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${alice.token}` } })
    expect(noFile.status).toBe(400)
    expect(((await noFile.json()) as any).error.code).toBe('file.missing')
    const json = await alice.api.post('/files', { file: 'aGVsbG8=' })
    expect(json.status).toBe(400)
    const badKind = await upload(t.url, alice, pdfBytes(), { kind: 'executable' })
    expect(badKind.status).toBe(400)
    const anonymous = await upload(t.url, null, pdfBytes())
    expect(anonymous.status).toBe(401)
  })

  it('should answer 404 for unknown or malformed file ids', async () => {
    expect((await alice.api.get('/files/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404)
    expect((await alice.api.get('/files/..%2F..%2Fjim.sqlite')).status).toBe(404)
    expect((await alice.api.get('/files/01ARZ3NDEKTSV4RRFFQ69G5FAV/thumbnail')).status).toBe(404)
  })

  it('should document the file routes in the OpenAPI document', async () => {
    const doc = await new ApiClient(t.url).get('/openapi.json')
    expect(doc.status).toBe(200)
    for (const path of [
      '/api/v1/files',
      '/api/v1/files/{id}',
      '/api/v1/files/{id}/thumbnail',
      '/api/v1/files/{id}/url',
      '/api/v1/files/{id}/content',
      '/api/v1/stickers',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path)
    }
    expect(JSON.stringify(doc.body.info.description)).toContain('file.too_large')
  })

  it('should list the bundled stickers publicly and serve each SVG with a strict CSP', async () => {
    const list = await new ApiClient(t.url).get('/stickers')
    expect(list.status).toBe(200)
    expect(list.body.items.length).toBeGreaterThanOrEqual(12)
    expect(list.body.items[0]).toEqual({ id: 'smile', name: 'Smile', url: '/stickers/smile.svg' })
    for (const item of list.body.items) {
      const svg = await download(`${t.url}${item.url}`)
      expect(svg.status).toBe(200)
      expect(svg.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8')
      expect(svg.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(svg.headers.get('x-content-type-options')).toBe('nosniff')
      expect(svg.bytes.toString()).toMatch(/^<svg /)
      expect(svg.bytes.toString()).not.toMatch(/<script|href=|on\w+=/i)
      expect(await sharp(svg.bytes).metadata()).toMatchObject({ format: 'svg', width: 128, height: 128 })
    }
    expect((await download(`${t.url}/stickers/nope.svg`)).status).toBe(404)
    expect((await download(`${t.url}/stickers/..%2Fmanifest.json`)).status).toBe(404)
  })
})

describe('file uploads with files.driver = sql', () => {
  let t: TestApp
  let alice: TestUser

  beforeAll(async () => {
    t = await startTestApp({ overrides: { 'files.driver': 'sql' } })
    alice = await createUser(t.url, 'alice')
  })
  afterAll(async () => {
    await t.close()
  })

  it('should store and serve bytes and thumbnails from the database', async () => {
    const big = await noiseImage(700, 700) // ~1.4 MB: several chunks
    const res = await upload(t.url, alice, big, { name: 'noise.png' })
    expect(res.status).toBe(201)
    const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect(got.status).toBe(200)
    expect(got.bytes.length).toBe(res.body.size)
    expect(await sharp(got.bytes).metadata()).toMatchObject({ width: 700, height: 700 })
    const thumb = await download(`${t.url}/api/v1/files/${res.body.fileId}/thumbnail`, alice.token)
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({ width: 320, height: 320 })
    // nothing went to the local directory
    expect(existsSync(join(t.database.overrides.dataDir as string, 'files'))).toBe(false)
  })
})
