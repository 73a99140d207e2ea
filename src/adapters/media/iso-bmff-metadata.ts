import { open, type FileHandle } from 'node:fs/promises'
import { zeroRange } from './zero-range.js'

/**
 * Removes location and other personal metadata from an ISO base media file (MP4, MOV, 3GP,
 * HEIC/HEIF/AVIF) in place, without re-encoding or moving a byte of media: offsets stay valid,
 * so the file plays and decodes as before.
 * - MP4/MOV: every `udta` and `meta` box in `moov` and in each `trak` (QuickTime `©xyz` GPS,
 *   Apple `com.apple.quicktime.location.ISO6709` keys, `loci`, camera make and model, XMP) and
 *   top-level XMP `uuid` boxes become `free` boxes of the same size with their contents zeroed.
 * - HEIF/AVIF: the payloads of `Exif` items and XMP (`mime` application/rdf+xml) items,
 *   located through `iinf`/`iloc`, are zeroed.
 * - Fragmented MP4 (fMP4, CMAF): the same boxes in every `moof` and its `traf`s, and top-level `udta`.
 * - Capture times: the creation and modification times of `mvhd`, each `tkhd` and `mdhd` are zeroed
 *   (0 means "unknown" to players).
 * Not covered: samples of timed metadata tracks (e.g. GoPro GPMF, dash-cam GPS tracks); see docs/media.md.
 * Returns how many boxes or items were scrubbed. A file that does not parse as boxes is left as it is.
 */
export async function stripIsoBmffMetadata(path: string): Promise<number> {
  const file = await open(path, 'r+')
  try {
    const size = (await file.stat()).size
    let scrubbed = 0
    for (const box of await boxes(file, 0, size)) {
      if (box.type === 'moov') {
        scrubbed += await scrubContainer(file, box, ['udta', 'meta'], ['trak'])
        scrubbed += await clearCaptureTimes(file, box)
      } else if (box.type === 'moof') scrubbed += await scrubContainer(file, box, ['udta', 'meta'], ['traf'])
      else if (box.type === 'udta') scrubbed += await neutralize(file, box)
      else if (box.type === 'uuid' && (await isXmpUuid(file, box))) scrubbed += await neutralize(file, box)
      else if (box.type === 'meta') scrubbed += await scrubHeifItems(file, box, size)
    }
    return scrubbed
  } finally {
    await file.close()
  }
}

interface Box {
  type: string
  /** offset of the box header */
  start: number
  /** offset of the box contents (after the header) */
  body: number
  /** offset just past the box */
  end: number
}

const XMP_UUID = Buffer.from('be7acfcb97a942e89c71999491e3afac', 'hex')
const MAX_BOXES = 10_000

async function read(file: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const { bytesRead } = await file.read(buffer, 0, length, offset)
  return buffer.subarray(0, bytesRead)
}

/** The boxes between `from` and `to`; stops (keeping what parsed) at anything malformed. */
async function boxes(file: FileHandle, from: number, to: number): Promise<Box[]> {
  const found: Box[] = []
  let offset = from
  while (offset + 8 <= to && found.length < MAX_BOXES) {
    const header = await read(file, offset, 16)
    if (header.length < 8) break
    let size = header.readUInt32BE(0)
    const type = header.toString('latin1', 4, 8)
    let headerSize = 8
    if (size === 1) {
      if (header.length < 16) break
      size = Number(header.readBigUInt64BE(8))
      headerSize = 16
    } else if (size === 0) size = to - offset
    if (size < headerSize || offset + size > to) break
    found.push({ type, start: offset, body: offset + headerSize, end: offset + size })
    offset += size
  }
  return found
}

/** Neutralizes the `remove` children of a container box and recurses into the `descend` ones. */
async function scrubContainer(file: FileHandle, box: Box, remove: string[], descend: string[]): Promise<number> {
  let n = 0
  for (const child of await boxes(file, box.body, box.end)) {
    if (remove.includes(child.type)) n += await neutralize(file, child)
    else if (descend.includes(child.type)) n += await scrubContainer(file, child, remove, [])
  }
  return n
}

/** Zeroes the creation and modification times of `mvhd`, and of `tkhd` and `mdhd` in each track. */
async function clearCaptureTimes(file: FileHandle, moov: Box): Promise<number> {
  let n = 0
  for (const child of await boxes(file, moov.body, moov.end)) {
    if (child.type === 'mvhd') n += await clearTimes(file, child)
    if (child.type !== 'trak') continue
    for (const t of await boxes(file, child.body, child.end)) {
      if (t.type === 'tkhd') n += await clearTimes(file, t)
      if (t.type !== 'mdia') continue
      for (const m of await boxes(file, t.body, t.end)) if (m.type === 'mdhd') n += await clearTimes(file, m)
    }
  }
  return n
}

/** A FullBox starting with creation and modification times (32 bits each in version 0, 64 in version 1). */
async function clearTimes(file: FileHandle, box: Box): Promise<number> {
  const version = (await read(file, box.body, 1))[0]
  const length = version === 1 ? 16 : 8
  if (box.body + 4 + length > box.end) return 0
  const times = await read(file, box.body + 4, length)
  if (times.every((b) => b === 0)) return 0
  await zeroRange(file, box.body + 4, length)
  return 1
}

/** Makes a box a `free` box of the same size, its contents zeroed. */
async function neutralize(file: FileHandle, box: Box): Promise<number> {
  await file.write(Buffer.from('free', 'latin1'), 0, 4, box.start + 4)
  await zeroRange(file, box.body, box.end - box.body)
  return 1
}

async function isXmpUuid(file: FileHandle, box: Box): Promise<boolean> {
  return (await read(file, box.body, 16)).equals(XMP_UUID)
}

/** HEIF: zeroes the data of Exif and XMP items (the image items are left untouched). */
async function scrubHeifItems(file: FileHandle, meta: Box, fileSize: number): Promise<number> {
  // `meta` is a FullBox: 4 bytes of version and flags before its children
  const children = await boxes(file, meta.body + 4, meta.end)
  const iinf = children.find((b) => b.type === 'iinf')
  const iloc = children.find((b) => b.type === 'iloc')
  const idat = children.find((b) => b.type === 'idat')
  if (!iinf || !iloc) return 0
  const targets = await metadataItems(file, iinf)
  if (targets.size === 0) return 0
  const data = await read(file, iloc.body, Math.min(iloc.end - iloc.body, 1024 * 1024))
  let n = 0
  for (const extent of parseIloc(data)) {
    if (!targets.has(extent.itemId)) continue
    const base = extent.method === 1 ? (idat?.body ?? -1) : extent.method === 0 ? 0 : -1
    const from = base + extent.offset
    // never write past the end (that would grow the file); length 0 means "the rest": skip it
    if (base < 0 || extent.length === 0 || from + extent.length > fileSize) continue
    await zeroRange(file, from, extent.length)
    n++
  }
  return n
}

/** Ids of `Exif` items and XMP `mime` items listed in `iinf`. */
async function metadataItems(file: FileHandle, iinf: Box): Promise<Set<number>> {
  const head = await read(file, iinf.body, 8)
  const version = head[0]!
  const entriesStart = iinf.body + 4 + (version === 0 ? 2 : 4)
  const ids = new Set<number>()
  for (const infe of await boxes(file, entriesStart, iinf.end)) {
    if (infe.type !== 'infe') continue
    const b = await read(file, infe.body, Math.min(infe.end - infe.body, 4096))
    const v = b[0]!
    if (v < 2) continue
    const id = v === 2 ? b.readUInt16BE(4) : b.readUInt32BE(4)
    const typeAt = v === 2 ? 8 : 10
    const itemType = b.toString('latin1', typeAt, typeAt + 4)
    const rest = b.toString('latin1', typeAt + 4)
    if (itemType === 'Exif' || (itemType === 'mime' && /rdf\+xml|xmp/i.test(rest))) ids.add(id)
  }
  return ids
}

/** The extents of every item in an `iloc` box's contents (ISO/IEC 14496-12 §8.11.3). */
function parseIloc(b: Buffer): Array<{ itemId: number; method: number; offset: number; length: number }> {
  const out: Array<{ itemId: number; method: number; offset: number; length: number }> = []
  let p = 0
  const uint = (bytes: number): number => {
    let v = 0
    for (let i = 0; i < bytes; i++) v = v * 256 + b[p + i]!
    p += bytes
    return v
  }
  try {
    const version = uint(1)
    p += 3
    const sizes = uint(2)
    const offsetSize = sizes >> 12
    const lengthSize = (sizes >> 8) & 0xf
    const baseOffsetSize = (sizes >> 4) & 0xf
    const indexSize = version === 1 || version === 2 ? sizes & 0xf : 0
    const itemCount = version < 2 ? uint(2) : uint(4)
    for (let i = 0; i < itemCount && p < b.length; i++) {
      const itemId = version < 2 ? uint(2) : uint(4)
      const method = version === 1 || version === 2 ? uint(2) & 0xf : 0
      uint(2) // data_reference_index
      const baseOffset = uint(baseOffsetSize)
      const extents = uint(2)
      for (let e = 0; e < extents; e++) {
        uint(indexSize)
        const offset = uint(offsetSize)
        const length = uint(lengthSize)
        out.push({ itemId, method, offset: baseOffset + offset, length })
      }
    }
  } catch {
    // a truncated table: keep the extents read so far
  }
  return out
}
