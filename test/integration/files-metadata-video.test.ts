import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { download, upload } from '../helpers/uploads.js'

const GPS = '+48.8584+002.2945+035.000/'
const WHEN = '2026-11-28T21:14:03Z'

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const header = Buffer.alloc(8)
  header.writeUInt32BE(8 + body.length)
  header.write(type, 4, 'latin1')
  return Buffer.concat([header, body])
}
const fullBox = (type: string, version: number, ...parts: Buffer[]) => box(type, Buffer.from([version, 0, 0, 0]), ...parts)
const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
/** 2026-11-28 in seconds since 1904 (the ISO base media epoch) */
const MAC_TIME = 3_847_000_000

/**
 * A fragmented MP4 (CMAF-like, as cameras and screen recorders write): capture times in mvhd,
 * tkhd (version 1: 64-bit) and mdhd; GPS in moov/udta, in a fragment's traf/udta and in a
 * top-level udta after the fragments.
 */
function fragmentedMp4(): Buffer {
  const ftyp = box('ftyp', Buffer.from('isom'), u32(512), Buffer.from('isomiso5dashmp41'))
  const mvhd = fullBox('mvhd', 0, u32(MAC_TIME), u32(MAC_TIME + 1), Buffer.alloc(88))
  const tkhd = fullBox('tkhd', 1, Buffer.alloc(4), u32(MAC_TIME), Buffer.alloc(4), u32(MAC_TIME + 2), Buffer.alloc(76))
  const mdhd = fullBox('mdhd', 0, u32(MAC_TIME), u32(MAC_TIME + 3), u32(90000), u32(0), Buffer.alloc(4))
  const trak = box('trak', tkhd, box('mdia', mdhd, box('hdlr', Buffer.alloc(24))))
  const moov = box('moov', mvhd, trak, box('mvex', fullBox('trex', 0, Buffer.alloc(20))), box('udta', box('\xa9xyz', Buffer.from(GPS))))
  const fragment = (n: number) => [
    box('moof', fullBox('mfhd', 0, u32(n)), box('traf', fullBox('tfhd', 0, u32(1)), box('udta', box('\xa9xyz', Buffer.from(GPS))))),
    box('mdat', Buffer.alloc(5000, 0x60 + n)),
  ]
  const tail = box('udta', box('\xa9day', Buffer.from(WHEN)), box('\xa9xyz', Buffer.from(GPS)))
  return Buffer.concat([ftyp, moov, ...fragment(1), ...fragment(2), tail])
}

/** An EBML element: ID bytes, a size vint (8 bytes, or "unknown" when `size` is null), then the data. */
function ebml(id: number, data: Buffer | null, ...more: Buffer[]): Buffer {
  const idBytes = Buffer.from(id.toString(16).padStart(id > 0xffffff ? 8 : id > 0xffff ? 6 : id > 0xff ? 4 : 2, '0'), 'hex')
  if (data === null) return Buffer.concat([idBytes, Buffer.from('01ffffffffffffff', 'hex'), ...more])
  const size = Buffer.alloc(8)
  size.writeBigUInt64BE(BigInt(data.length))
  size[0] = 0x01
  return Buffer.concat([idBytes, size, data])
}
const text = (id: number, value: string) => ebml(id, Buffer.from(value))

/**
 * A WebM as a browser's MediaRecorder or a camera writes it: a Segment and a Cluster of unknown
 * size (streamed), DateUTC in Info, Tags with the place and time of recording after the Cluster.
 */
function webmWithTags(): Buffer {
  const header = ebml(0x1a45dfa3, Buffer.concat([ebml(0x4286, Buffer.from([1])), text(0x4282, 'webm'), ebml(0x4287, Buffer.from([4]))]))
  const dateUtc = Buffer.alloc(8)
  dateUtc.writeBigInt64BE(BigInt(Date.parse(WHEN) - Date.parse('2001-01-01T00:00:00Z')) * 1_000_000n)
  const info = ebml(0x1549a966, Buffer.concat([ebml(0x2ad7b1, u32(1_000_000)), ebml(0x4461, dateUtc), text(0x4d80, 'JimTestMuxer')]))
  const tracks = ebml(0x1654ae6b, ebml(0xae, Buffer.concat([ebml(0xd7, Buffer.from([1])), text(0x86, 'V_VP8')])))
  const block = ebml(0xa3, Buffer.concat([Buffer.from([0x81, 0, 0, 0x80]), Buffer.alloc(3000, 0x77)]))
  const cluster = ebml(0x1f43b675, null, ebml(0xe7, Buffer.from([0])), block)
  const simpleTag = (name: string, value: string) => ebml(0x67c8, Buffer.concat([text(0x45a3, name), text(0x4487, value)]))
  const tags = ebml(0x1254c367, ebml(0x7373, Buffer.concat([simpleTag('RECORDING_LOCATION', GPS), simpleTag('DATE_RECORDED', WHEN)])))
  return Buffer.concat([header, ebml(0x18538067, null, info, tracks, cluster, tags)])
}

describe('video metadata: fragmented MP4 and WebM lose GPS and capture times (issue 16, finding 10)', () => {
  let t: TestApp
  let alice: TestUser

  beforeAll(async () => {
    t = await startTestApp()
    alice = await createUser(t.url, 'alice')
  })
  afterAll(async () => {
    await t.close()
  })

  it('should strip GPS from every fragment and zero the capture times of a fragmented MP4, keeping sizes and media', async () => {
    const video = fragmentedMp4()
    const res = await upload(t.url, alice, video, { name: 'clip.mp4', kind: 'video' })
    expect(res.status).toBe(201)
    expect(res.body.mime).toBe('video/mp4')
    const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect(got.bytes.length).toBe(video.length)
    expect(got.bytes.includes(Buffer.from('+48.8584'))).toBe(false)
    expect(got.bytes.includes(Buffer.from(WHEN))).toBe(false)
    expect(got.bytes.includes(u32(MAC_TIME))).toBe(false)
    // fragments and their media are where they were
    for (const n of [1, 2]) expect(got.bytes.includes(Buffer.alloc(5000, 0x60 + n))).toBe(true)
    for (const type of ['mvhd', 'tkhd', 'mdhd', 'mfhd', 'tfhd', 'trex']) expect(got.bytes.includes(Buffer.from(type))).toBe(true)
  })

  it('should void the Tags and DateUTC of a streamed WebM (unknown sizes), keeping its size, tracks and blocks', async () => {
    const video = webmWithTags()
    const res = await upload(t.url, alice, video, { name: 'recording.webm', kind: 'video' })
    expect(res.status).toBe(201)
    expect(res.body.mime).toBe('video/webm')
    const got = await download(`${t.url}/api/v1/files/${res.body.fileId}`, alice.token)
    expect(got.bytes.length).toBe(video.length)
    for (const gone of ['+48.8584', 'RECORDING_LOCATION', 'DATE_RECORDED', WHEN]) expect(got.bytes.includes(Buffer.from(gone))).toBe(false)
    // DateUTC (ID 44 61 + its 8-byte size) became a Void element of the same length
    expect(got.bytes.includes(Buffer.from('44610100000000000008', 'hex'))).toBe(false)
    expect(got.bytes.includes(Buffer.from('ec0100000000000009', 'hex'))).toBe(true)
    for (const kept of ['webm', 'V_VP8', 'JimTestMuxer']) expect(got.bytes.includes(Buffer.from(kept))).toBe(true)
    expect(got.bytes.includes(Buffer.alloc(3000, 0x77))).toBe(true)
  })
})
