import { open, type FileHandle } from 'node:fs/promises'
import { zeroRange } from './zero-range.js'

/**
 * Removes personal metadata from a Matroska or WebM file in place, without re-encoding or moving a
 * byte of media: the `Tags` elements (where recorders put `RECORDING_LOCATION`, `DATE_RECORDED`,
 * device names...) and `Info/DateUTC` become `Void` elements of the same size with their
 * contents zeroed, so every offset (SeekHead, Cues) stays valid and the file plays as before.
 * Browser recordings (MediaRecorder) have clusters of unknown size: those are walked child by
 * child to find what follows them. Returns how many elements were voided; a file that does not
 * parse is left as it is.
 */
export async function stripMatroskaMetadata(path: string): Promise<number> {
  const file = await open(path, 'r+')
  try {
    const size = (await file.stat()).size
    const header = await element(file, 0, size)
    if (!header || header.id !== EBML) return 0
    const segment = await element(file, header.end, size)
    if (!segment || segment.id !== SEGMENT) return 0
    let scrubbed = 0
    let at = segment.body
    for (let n = 0; n < MAX_ELEMENTS && at < segment.end; n++) {
      const child = await element(file, at, segment.end)
      if (!child) break
      if (child.id === TAGS) scrubbed += await voidElement(file, child)
      else if (child.id === INFO) {
        for (let c = await element(file, child.body, child.end); c; c = await element(file, c.end, child.end)) {
          if (c.id === DATE_UTC) scrubbed += await voidElement(file, c)
        }
      }
      at = child.unknownSize ? await endOfUnknown(file, child, segment.end) : child.end
    }
    return scrubbed
  } finally {
    await file.close()
  }
}

const EBML = 0x1a45dfa3
const SEGMENT = 0x18538067
const INFO = 0x1549a966
const TAGS = 0x1254c367
const DATE_UTC = 0x4461
const VOID = 0xec
/** Level-1 elements: where an unknown-sized cluster ends */
const TOP_LEVEL = new Set([0x114d9b74, INFO, 0x1654ae6b, 0x1f43b675, 0x1c53bb6b, 0x1941a469, 0x1043a770, TAGS])
const MAX_ELEMENTS = 1_000_000

interface Element {
  id: number
  start: number
  /** after the header */
  body: number
  end: number
  unknownSize: boolean
}

/** Reads one element header at `at` (ID and size vints); null past `limit` or when malformed. */
async function element(file: FileHandle, at: number, limit: number): Promise<Element | null> {
  if (at + 2 > limit) return null
  const b = Buffer.alloc(12)
  const { bytesRead } = await file.read(b, 0, 12, at)
  const idLength = vintLength(b[0]!)
  if (idLength === 0 || idLength > 4 || bytesRead < idLength + 1) return null
  const id = b.readUIntBE(0, idLength)
  const sizeLength = vintLength(b[idLength]!)
  if (sizeLength === 0 || bytesRead < idLength + sizeLength) return null
  let value = b[idLength]! & (0xff >> sizeLength)
  let allOnes = value === 0xff >> sizeLength
  for (let i = 1; i < sizeLength; i++) {
    value = value * 256 + b[idLength + i]!
    if (b[idLength + i] !== 0xff) allOnes = false
  }
  const body = at + idLength + sizeLength
  if (allOnes) return { id, start: at, body, end: limit, unknownSize: true }
  if (body + value > limit) return null
  return { id, start: at, body, end: body + value, unknownSize: false }
}

function vintLength(first: number): number {
  for (let n = 1; n <= 8; n++) if (first & (0x80 >> (n - 1))) return n
  return 0
}

/** Where an element of unknown size ends: at the first level-1 ID among its children, or `limit`. */
async function endOfUnknown(file: FileHandle, parent: Element, limit: number): Promise<number> {
  let at = parent.body
  for (let n = 0; n < MAX_ELEMENTS && at < limit; n++) {
    const child = await element(file, at, limit)
    if (!child || TOP_LEVEL.has(child.id) || child.unknownSize) return at
    at = child.end
  }
  return limit
}

/**
 * Rewrites an element as one `Void` of the same total length, contents zeroed: the Void ID (one
 * byte), a size vint of up to 8 bytes (EBML allows longer encodings than needed), then zeros.
 */
async function voidElement(file: FileHandle, e: Element): Promise<number> {
  if (e.unknownSize) return 0
  const total = e.end - e.start
  const sizeLength = Math.min(8, total - 1)
  await zeroRange(file, e.start, total)
  const header = Buffer.concat([Buffer.from([VOID]), vint(total - 1 - sizeLength, sizeLength)])
  await file.write(header, 0, header.length, e.start)
  return 1
}

function vint(value: number, length: number): Buffer {
  const b = Buffer.alloc(length)
  let v = value
  for (let i = length - 1; i >= 0; i--) {
    b[i] = v % 256
    v = Math.floor(v / 256)
  }
  b[0] = b[0]! | (0x80 >> (length - 1))
  return b
}
