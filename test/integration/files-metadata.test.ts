import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { download, pdfBytes, upload } from '../helpers/uploads.js'

const GPS = '+37.3349-122.0090+010.000/'

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const header = Buffer.alloc(8)
  header.writeUInt32BE(8 + body.length)
  header.write(type, 4, 'latin1')
  return Buffer.concat([header, body])
}
const fullBox = (type: string, version: number, ...parts: Buffer[]) => box(type, Buffer.from([version, 0, 0, 0]), ...parts)
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff])
const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/** An iPhone-like MOV/MP4: GPS in moov/udta/©xyz, in moov/meta (ISO6709 key) and in a track's udta. */
function videoWithGps(): Buffer {
  const ftyp = box('ftyp', Buffer.from('qt  '), u32(0), Buffer.from('qt  isom'))
  const mvhd = fullBox('mvhd', 0, Buffer.alloc(96))
  const xyz = box('\xa9xyz', u16(GPS.length), u16(0x15c7), Buffer.from(GPS))
  const udta = box('udta', xyz, box('\xa9mak', Buffer.from('Apple')))
  const keys = fullBox('keys', 0, u32(1), box('mdta', Buffer.from('com.apple.quicktime.location.ISO6709')))
  const meta = fullBox('meta', 0, keys, box('ilst', box('\x00\x00\x00\x01', box('data', u32(1), u32(0), Buffer.from(GPS)))))
  const trak = box(
    'trak',
    fullBox('tkhd', 0, Buffer.alloc(80)),
    box('mdia', Buffer.alloc(40, 3)),
    box('udta', box('\xa9xyz', Buffer.from(GPS))),
  )
  const moov = box('moov', mvhd, udta, meta, trak)
  const mdat = box('mdat', Buffer.alloc(20_000, 0x5a))
  return Buffer.concat([ftyp, moov, mdat])
}

/** A HEIC whose Exif item (found through iinf/iloc) carries a GPS position. */
function heicWithGps(): Buffer {
  const ftyp = box('ftyp', Buffer.from('heic'), u32(0), Buffer.from('mif1heic'))
  const exif = Buffer.concat([u32(6), Buffer.from('Exif\0\0MM\0*'), Buffer.from(`GPS ${GPS}`)])
  const image = Buffer.alloc(3000, 0x42)
  const hdlr = fullBox('hdlr', 0, u32(0), Buffer.from('pict'), Buffer.alloc(13))
  const iinf = fullBox(
    'iinf',
    0,
    u16(2),
    fullBox('infe', 2, u16(1), u16(0), Buffer.from('hvc1'), Buffer.from('\0')),
    fullBox('infe', 2, u16(2), u16(0), Buffer.from('Exif'), Buffer.from('\0')),
  )
  // iloc v0, offset_size 4, length_size 4, base_offset_size 0; offsets filled in below
  const ilocFor = (imageAt: number, exifAt: number) =>
    fullBox(
      'iloc',
      0,
      u16(0x4400),
      u16(2),
      u16(1),
      u16(0),
      u16(1),
      u32(imageAt),
      u32(image.length),
      u16(2),
      u16(0),
      u16(1),
      u32(exifAt),
      u32(exif.length),
    )
  const metaFor = (imageAt: number, exifAt: number) => fullBox('meta', 0, hdlr, iinf, ilocFor(imageAt, exifAt))
  const dataStart = ftyp.length + metaFor(0, 0).length + 8
  const meta = metaFor(dataStart, dataStart + image.length)
  return Buffer.concat([ftyp, meta, box('mdat', image, exif)])
}

/** Top-level box types in order, with sizes adding up to the file (the structure is intact). */
function topLevel(bytes: Buffer): string[] {
  const types: string[] = []
  for (let at = 0; at < bytes.length;) {
    const size = bytes.readUInt32BE(at)
    types.push(bytes.toString('latin1', at + 4, at + 8))
    at += size
    if (size < 8) throw new Error('broken box')
  }
  return types
}

describe('upload metadata and names (issue 16, finding 10)', () => {
  let t: TestApp
  let alice: TestUser

  beforeAll(async () => {
    t = await startTestApp()
    alice = await createUser(t.url, 'alice')
  })
  afterAll(async () => {
    await t.close()
  })

  it('should strip GPS and camera metadata from an MP4/MOV video in place, keeping its size, boxes and media bytes', async () => {
    const video = videoWithGps()
    expect(video.includes(Buffer.from(GPS))).toBe(true)
    const res = await upload(t.url, alice, video, { name: 'IMG_0001.MOV', kind: 'video' })
    expect(res.status).toBe(201)
    const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect(got.bytes.length).toBe(video.length)
    expect(got.bytes.includes(Buffer.from(GPS))).toBe(false)
    expect(got.bytes.includes(Buffer.from('+37.3349'))).toBe(false)
    expect(got.bytes.includes(Buffer.from('ISO6709'))).toBe(false)
    expect(got.bytes.includes(Buffer.from('Apple'))).toBe(false)
    expect(topLevel(got.bytes)).toEqual(['ftyp', 'moov', 'mdat'])
    // the media data and the movie header are untouched
    const mdatAt = got.bytes.length - 20_008
    expect(got.bytes.subarray(mdatAt).equals(video.subarray(mdatAt))).toBe(true)
    expect(got.bytes.includes(Buffer.from('mvhd'))).toBe(true)
    expect(got.bytes.includes(Buffer.from('tkhd'))).toBe(true)
    expect(res.body.sha256).not.toBe(createHash('sha256').update(video).digest('hex'))
  })

  it('should zero the Exif item of a HEIC photo (which is not re-encoded) and keep the image item', async () => {
    const heic = heicWithGps()
    const res = await upload(t.url, alice, heic, { name: 'IMG_0002.HEIC' })
    expect(res.status).toBe(201)
    const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect(got.bytes.length).toBe(heic.length)
    expect(got.bytes.includes(Buffer.from(GPS))).toBe(false)
    expect(got.bytes.includes(Buffer.from('Exif\0\0MM'))).toBe(false)
    expect(got.bytes.includes(Buffer.alloc(3000, 0x42))).toBe(true)
    expect(topLevel(got.bytes)).toEqual(['ftyp', 'meta', 'mdat'])
  })

  it('should leave other files byte for byte as sent', async () => {
    const res = await upload(t.url, alice, pdfBytes(), { name: 'a.pdf' })
    const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect(got.bytes.equals(pdfBytes())).toBe(true)
  })

  it('should remove bidi overrides and zero-width characters from file names (no .exe spoofing)', async () => {
    const cases: Array<[string, string]> = [
      ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
      ['photo\u200B.jpg\u2066.exe', 'photo.jpg.exe'],
      ['report\u200D\uFEFF.pdf', 'report.pdf'],
      ['\u202E\u200B', 'file'],
      ['Cafe\u0301 menu.pdf', 'Café menu.pdf'],
    ]
    for (const [name, shown] of cases) {
      const res = await upload(t.url, alice, pdfBytes(), { name })
      expect(res.status).toBe(201)
      expect(res.body.name, JSON.stringify(name)).toBe(shown)
      const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
      expect(decodeURIComponent(got.headers.get('content-disposition')!.split("UTF-8''")[1]!)).toBe(shown)
    }
  })
})
