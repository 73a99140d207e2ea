import { CAPTION_MAX_CHARS } from '@jim/protocol'
import { isId } from '../../shared/ids.js'
import { AppError } from '../errors.js'
import type { ClientMessageType } from './message.js'
import { CLIENT_MESSAGE_TYPES } from './message.js'
import type { StickerSet } from '../stickers/sticker-set.js'

/** Bounds on any message content, whatever its type. */
export const CONTENT_MAX_BYTES = 16 * 1024
export const CONTENT_MAX_DEPTH = 4
export const MENTIONS_MAX = 50
/** Message types that may carry a `caption` (a voice clip has none: it is the words). */
const CAPTIONED = new Set(['image', 'file', 'video'])

const invalid = (field: string, message: string): never => {
  throw new AppError('request.invalid', message, { details: [{ field: `content.${field}`, problem: 'invalid' }] })
}

/**
 * Checks a client message's content for its type and returns a normalized copy holding only
 * known fields. `system` and unknown types are refused (400).
 */
/** What content is checked against: the text limit and the stickers users may send. */
export interface ContentRules {
  maxTextLength: number
  stickers: StickerSet
}

export function validateContent(type: string, content: unknown, limits: ContentRules): Record<string, unknown> {
  if (!(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new AppError(
      'request.invalid',
      `type must be one of ${CLIENT_MESSAGE_TYPES.join(', ')}; "system" is written by the server only.`,
      {
        details: [{ field: 'type', problem: 'enum' }],
      },
    )
  }
  if (!content || typeof content !== 'object' || Array.isArray(content)) return invalid('', 'content must be an object.')
  if (Buffer.byteLength(JSON.stringify(content)) > CONTENT_MAX_BYTES)
    throw new AppError('request.too_large', `content is larger than ${CONTENT_MAX_BYTES} bytes.`)
  if (depthOf(content) > CONTENT_MAX_DEPTH) invalid('', `content nests deeper than ${CONTENT_MAX_DEPTH} levels.`)
  const c = content as Record<string, unknown>
  switch (type as ClientMessageType) {
    case 'text':
      return textContent(c, limits.maxTextLength)
    case 'location':
      return locationContent(c)
    case 'image':
    case 'file':
    case 'voice':
    case 'video':
      return mediaContent(type, c)
    case 'sticker':
      return stickerContent(c, limits.stickers)
  }
}

/**
 * The client's part of a media message: the id of a file the sender uploaded, for voice/video a
 * measured `durationMs`, for image/file/video an optional `caption`. The rest (mime, size, name,
 * dimensions) is filled in from the stored file by the send path (see domain/files/media-content.ts).
 */
function mediaContent(type: string, c: Record<string, unknown>): Record<string, unknown> {
  if (typeof c.fileId !== 'string' || !isId(c.fileId)) return invalid('fileId', 'content.fileId must be the id of a file you uploaded.')
  const out: Record<string, unknown> = { fileId: c.fileId }
  if ((type === 'voice' || type === 'video') && c.durationMs !== undefined) {
    if (typeof c.durationMs !== 'number' || !Number.isFinite(c.durationMs) || c.durationMs < 0)
      invalid('durationMs', 'content.durationMs must be a non-negative number of milliseconds.')
    out.durationMs = Math.round(c.durationMs as number)
  }
  if (CAPTIONED.has(type) && c.caption !== undefined) {
    if (typeof c.caption !== 'string') return invalid('caption', 'content.caption must be a string.')
    if ([...c.caption].length > CAPTION_MAX_CHARS) invalid('caption', `content.caption is longer than ${CAPTION_MAX_CHARS} characters.`)
    // an empty or blank caption is no caption
    const caption = c.caption.trim()
    if (caption) out.caption = caption
  }
  return out
}

function stickerContent(c: Record<string, unknown>, stickers: StickerSet): Record<string, unknown> {
  if (typeof c.stickerId !== 'string' || !stickers.svgs.has(c.stickerId))
    invalid('stickerId', 'content.stickerId must be the id of a sticker from GET /api/v1/stickers.')
  return { stickerId: c.stickerId }
}

function textContent(c: Record<string, unknown>, maxLength: number): Record<string, unknown> {
  const text = c.text
  if (typeof text !== 'string' || text.trim() === '') return invalid('text', 'content.text must be a non-empty string.')
  if ([...text].length > maxLength) invalid('text', `content.text is longer than ${maxLength} characters.`)
  const out: Record<string, unknown> = { text }
  if (c.mentions !== undefined) {
    const m = c.mentions
    if (!Array.isArray(m) || m.length > MENTIONS_MAX || !m.every((x) => typeof x === 'string' && x.length <= 32)) {
      invalid('mentions', `content.mentions must be a list of at most ${MENTIONS_MAX} user ids or "all".`)
    }
    out.mentions = [...new Set(m as string[])]
  }
  if (c.replyTo !== undefined) {
    if (!Number.isSafeInteger(c.replyTo) || (c.replyTo as number) < 1)
      invalid('replyTo', 'content.replyTo must be the seq of an earlier message.')
    out.replyTo = c.replyTo
  }
  return out
}

function locationContent(c: Record<string, unknown>): Record<string, unknown> {
  const { lat, lng, name } = c
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90)
    invalid('lat', 'content.lat must be a number from -90 to 90.')
  if (typeof lng !== 'number' || !Number.isFinite(lng) || lng < -180 || lng > 180)
    invalid('lng', 'content.lng must be a number from -180 to 180.')
  if (name !== undefined && (typeof name !== 'string' || name.length > 200))
    invalid('name', 'content.name must be a string of at most 200 characters.')
  return name === undefined ? { lat, lng } : { lat, lng, name }
}

function depthOf(value: unknown, depth = 0): number {
  if (!value || typeof value !== 'object') return depth
  let max = depth + 1
  for (const v of Object.values(value)) max = Math.max(max, depthOf(v, depth + 1))
  return max
}
