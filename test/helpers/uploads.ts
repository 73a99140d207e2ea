import { request as httpRequest } from 'node:http'
import { crc32 } from 'node:zlib'
import sharp from 'sharp'
import type { ApiResponse, TestUser } from './api-client.js'

/** Uploads bytes as a real multipart/form-data request (fetch + FormData + Blob). */
export async function upload(
  baseUrl: string,
  user: TestUser | null,
  bytes: Uint8Array,
  options: { name?: string; type?: string; kind?: string; fields?: Record<string, string>; query?: string } = {},
): Promise<ApiResponse> {
  const form = new FormData()
  // `kind` goes before the file, so the server knows the limit while the bytes stream in
  if (options.kind) form.append('kind', options.kind)
  for (const [k, v] of Object.entries(options.fields ?? {})) form.append(k, v)
  form.append('file', new Blob([bytes], { type: options.type ?? 'application/octet-stream' }), options.name ?? 'upload.bin')
  const headers: Record<string, string> = user ? { authorization: `Bearer ${user.token}` } : {}
  const res = await fetch(`${baseUrl}/api/v1/files${options.query ?? ''}`, { method: 'POST', body: form, headers })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // keep raw text
  }
  return { status: res.status, body: body as any, headers: res.headers }
}

/** Downloads raw bytes (with a token, or none for signed URLs). */
export async function download(url: string, token?: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers }
}

/** A test image made in code: a gradient with a shape, so it compresses like a photo would not. */
export async function makeImage(format: 'png' | 'jpeg' | 'webp' | 'gif', width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#36c"/><stop offset="1" stop-color="#fc3"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="#e33"/></svg>`
  return sharp(Buffer.from(svg)).toFormat(format).toBuffer()
}

/** Random pixels: an image that does not compress (to go over a byte limit). */
export async function noiseImage(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer()
}

/**
 * A pixel flood: a tiny PNG whose header claims `width` x `height` pixels (with a valid
 * checksum), so only a decoder that trusts the header would try to allocate it.
 */
export function pixelFloodPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([len, body, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** A short PCM WAV (real header and samples): sniffed as audio. */
export function wavBytes(ms: number, sampleRate = 8000): Buffer {
  const samples = Math.round((sampleRate * ms) / 1000)
  const data = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((i / sampleRate) * 2 * Math.PI * 440) * 8000), i * 2)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(sampleRate, 24)
  header.writeUInt32LE(sampleRate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

/** The start of an MP4 (an `ftyp` box, then filler in an `mdat` box): sniffed as video/mp4. */
export function mp4Bytes(size = 4096): Buffer {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2')])
  const mdatLen = size - ftyp.length
  const mdat = Buffer.alloc(mdatLen)
  mdat.writeUInt32BE(mdatLen, 0)
  mdat.write('mdat', 4)
  return Buffer.concat([ftyp, mdat])
}

/** A minimal PDF (sniffed as application/pdf). */
export function pdfBytes(): Buffer {
  return Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
}

/** An upload whose body the test sends piece by piece (node:http, so the answer can come before the end). */
export interface OpenUpload {
  /** sends more file bytes */
  write(bytes: Uint8Array): void
  /** sends the closing boundary and waits for the answer */
  finish(): Promise<{ status: number; body: any }>
  /** the answer, whenever it comes (possibly before the body is finished) */
  answer: Promise<{ status: number; body: any }>
  /** drops the connection */
  abort(): void
}

export function openUpload(baseUrl: string, user: TestUser, options: { kind?: string; name?: string } = {}): OpenUpload {
  const boundary = `----jim${Math.random().toString(16).slice(2)}`
  const url = new URL(`${baseUrl}/api/v1/files`)
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${user.token}` },
  })
  const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // keep raw text
        }
        resolve({ status: res.statusCode ?? 0, body })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  answer.catch(() => undefined)
  let head = ''
  if (options.kind) head += `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n${options.kind}\r\n`
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${options.name ?? 'upload.bin'}"\r\nContent-Type: application/octet-stream\r\n\r\n`
  req.write(head)
  return {
    write: (bytes) => void req.write(bytes),
    finish: () => {
      req.end(`\r\n--${boundary}--\r\n`)
      return answer
    },
    answer,
    abort: () => req.destroy(),
  }
}
